package schemas

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Violation is one way a document breaks its schema.
type Violation struct {
	// Pointer is the RFC 6901 JSON pointer of the offending value, e.g.
	// "/x86_64/0/kernelrelease"; "" is the whole document. For a missing or unexpected
	// property it points at that property.
	Pointer string
	// Message says which rule failed and, where it helps, the value.
	Message string
	// AtKey says the problem is the property itself (one that is not
	// allowed), so a position belongs on its key rather than its value.
	AtKey bool
}

func (v Violation) String() string { return displayPointer(v.Pointer) + ": " + v.Message }

// ValidationError lists every violation of one document against one schema, sorted by
// pointer (array indexes in numeric order).
type ValidationError struct {
	Kind       Kind
	Violations []Violation
}

// maxShown caps the violations Error prints; a wholly wrong file can have thousands, and
// all of them stay in Violations.
const maxShown = 20

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "does not match %s", fileName(e.Kind))
	if len(e.Violations) == 1 {
		b.WriteString(": " + e.Violations[0].String())
		return b.String()
	}
	fmt.Fprintf(&b, ": %d violations:", len(e.Violations))
	for i, v := range e.Violations {
		if i == maxShown {
			fmt.Fprintf(&b, "\n  ... and %d more", len(e.Violations)-maxShown)
			break
		}
		b.WriteString("\n  " + v.String())
	}
	return b.String()
}

// printer renders the library's messages for the error kinds explain does not word itself.
var printer = message.NewPrinter(language.English)

// explain flattens the validator's error tree into one violation per offending value,
// worded with the value and the rule, sorted by pointer.
func explain(ve *jsonschema.ValidationError, schemaDoc, instance any) []Violation {
	var out []violation
	collect(ve, schemaDoc, instance, &out)
	sort.SliceStable(out, func(i, j int) bool {
		if lessPath(out[i].path, out[j].path) {
			return true
		}
		if lessPath(out[j].path, out[i].path) {
			return false
		}
		return out[i].msg < out[j].msg // the validator walks maps, so break ties for stable output
	})
	vs := make([]Violation, 0, len(out))
	seen := map[Violation]bool{}
	for _, v := range out {
		pub := Violation{Pointer: pointer(v.path), Message: v.msg, AtKey: v.atKey}
		if !seen[pub] { // the same rule reached through two $refs reports twice
			seen[pub] = true
			vs = append(vs, pub)
		}
	}
	return vs
}

type violation struct {
	path  []string
	msg   string
	atKey bool
}

func collect(e *jsonschema.ValidationError, schemaDoc, instance any, out *[]violation) {
	at := e.InstanceLocation
	child := func(name string) []string { return append(append([]string(nil), at...), name) }
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, m := range k.Missing {
			*out = append(*out, violation{child(m), "required property is missing", false})
		}
	case *kind.AdditionalProperties:
		msg := "property is not allowed"
		if allowed := allowedProperties(schemaDoc, e.SchemaURL); len(allowed) > 0 {
			msg += " (allowed: " + strings.Join(allowed, ", ") + ")"
		}
		for _, p := range k.Properties {
			*out = append(*out, violation{child(p), msg, true})
		}
	case *kind.PropertyNames:
		// The causes validate the key itself, so their locations are meaningless here.
		var why []string
		for _, c := range e.Causes {
			var sub []violation
			collect(c, schemaDoc, k.Property, &sub)
			for _, s := range sub {
				why = append(why, s.msg)
			}
		}
		*out = append(*out, violation{child(k.Property), "key is not allowed: " + strings.Join(why, "; "), true})
	case *kind.AnyOf, *kind.OneOf:
		*out = append(*out, violation{at, alternatives(e, schemaDoc, instance), false})
	case *kind.Not:
		msg := "matches a forbidden schema"
		if p, ok := lookup(schemaDoc, e.SchemaURL, "not", "pattern").(string); ok {
			msg = fmt.Sprintf("must not match pattern %s", p)
		}
		if s, ok := valueAt(instance, at).(string); ok {
			msg = fmt.Sprintf("%q %s", s, msg)
		}
		*out = append(*out, violation{at, msg, false})
	case *kind.Pattern:
		*out = append(*out, violation{at, fmt.Sprintf("%q does not match pattern %s", k.Got, k.Want), false})
	case *kind.Type:
		*out = append(*out, violation{at, fmt.Sprintf("got %s, want %s", k.Got, strings.Join(k.Want, " or ")), false})
	case *kind.Format:
		*out = append(*out, violation{at, fmt.Sprintf("%s is not a valid %s: %v", quoteValue(k.Got), k.Want, k.Err), false})
	case *kind.MinItems:
		*out = append(*out, violation{at, fmt.Sprintf("has %d items, want at least %d", k.Got, k.Want), false})
	case *kind.MaxItems:
		*out = append(*out, violation{at, fmt.Sprintf("has %d items, want at most %d", k.Got, k.Want), false})
	case *kind.MinLength:
		*out = append(*out, violation{at, fmt.Sprintf("%v is %d characters long, want at least %d", quoteValue(valueAt(instance, at)), k.Got, k.Want), false})
	case *kind.MaxLength:
		*out = append(*out, violation{at, fmt.Sprintf("is %d characters long, want at most %d", k.Got, k.Want), false})
	case *kind.UniqueItems:
		// Point at the second item: it is the one to delete, and a position
		// (validate's file:line:col) then lands on it rather than on the list.
		*out = append(*out, violation{child(strconv.Itoa(k.Duplicates[1])), fmt.Sprintf("the same as item %d", k.Duplicates[0]), false})
	default:
		if len(e.Causes) == 0 {
			*out = append(*out, violation{at, e.ErrorKind.LocalizedString(printer), false})
			return
		}
		// Structural kinds (the root, $ref, allOf, ...): the causes say what is wrong.
		for _, c := range e.Causes {
			collect(c, schemaDoc, instance, out)
		}
	}
}

// alternatives words an anyOf/oneOf that nothing matched. If every alternative only asks
// for a property, as Falco's "headers or kernelconfigdata" does, it says just that.
func alternatives(e *jsonschema.ValidationError, schemaDoc, instance any) string {
	if k, ok := e.ErrorKind.(*kind.OneOf); ok && len(k.Subschemas) > 1 {
		return fmt.Sprintf("matches alternatives %d and %d, want exactly one", k.Subschemas[0], k.Subschemas[1])
	}
	var missing []string
	onlyRequired := len(e.Causes) > 0
	for _, c := range e.Causes {
		r, ok := c.ErrorKind.(*kind.Required)
		if !ok {
			onlyRequired = false
			break
		}
		missing = append(missing, r.Missing...)
	}
	if onlyRequired {
		return "needs one of the properties " + strings.Join(missing, ", ")
	}
	var parts []string
	for _, c := range e.Causes {
		var sub []violation
		collect(c, schemaDoc, instance, &sub)
		for _, s := range sub {
			parts = append(parts, displayPointer(pointer(s.path))+": "+s.msg)
		}
	}
	return "matches none of the allowed alternatives: " + strings.Join(parts, " | ")
}

// allowedProperties lists the "properties" of the schema at schemaURL, sorted.
func allowedProperties(schemaDoc any, schemaURL string) []string {
	props, ok := lookup(schemaDoc, schemaURL, "properties").(map[string]any)
	if !ok {
		return nil
	}
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// lookup resolves the fragment of schemaURL (a JSON pointer into our own schema) plus
// extra tokens in schemaDoc; nil when anything is missing.
func lookup(schemaDoc any, schemaURL string, extra ...string) any {
	_, frag, _ := strings.Cut(schemaURL, "#")
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	var toks []string
	if frag != "" {
		for _, t := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
			toks = append(toks, strings.NewReplacer("~1", "/", "~0", "~").Replace(t))
		}
	}
	return valueAt(schemaDoc, append(toks, extra...))
}

// valueAt follows path tokens through decoded JSON; nil when the path does not exist.
func valueAt(v any, path []string) any {
	for _, t := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// pointer renders path tokens as an RFC 6901 JSON pointer.
func pointer(path []string) string {
	var b strings.Builder
	for _, t := range path {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}

// displayPointer shows the empty pointer, which names the whole document, readably.
func displayPointer(p string) string {
	if p == "" {
		return "(document root)"
	}
	return p
}

// lessPath orders paths as the document does: array indexes numerically.
func lessPath(a, b []string) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] == b[i] {
			continue
		}
		ai, aerr := strconv.Atoi(a[i])
		bi, berr := strconv.Atoi(b[i])
		if aerr == nil && berr == nil {
			return ai < bi
		}
		return a[i] < b[i]
	}
	return len(a) < len(b)
}
