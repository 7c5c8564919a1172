package kojitest

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/matrixgen/matrixgen/crawlers/koji"
)

// MarshalResponse writes v as Python's xmlrpc.client Marshaller (with Koji's <i8> for
// integers beyond 32 bits) writes a <methodResponse>, newlines and all: <nil/> with no
// newline after it, struct members in the order given.
func MarshalResponse(v any) ([]byte, error) {
	var b strings.Builder
	b.WriteString("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n")
	if err := dump(&b, v); err != nil {
		return nil, err
	}
	b.WriteString("</param>\n</params>\n</methodResponse>\n")
	return []byte(b.String()), nil
}

// MarshalFault writes a <fault> as the hub does for an exception.
func MarshalFault(code int64, msg string) []byte {
	var b strings.Builder
	b.WriteString("<?xml version='1.0'?>\n<methodResponse>\n<fault>\n")
	_ = dump(&b, orderedStruct{{"faultCode", code}, {"faultString", msg}}) // an int and a string always marshal
	b.WriteString("</fault>\n</methodResponse>\n")
	return []byte(b.String())
}

func writeResponse(w http.ResponseWriter, v any) error {
	b, err := MarshalResponse(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write(b)
	return nil
}

func writeFault(w http.ResponseWriter, code int64, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write(MarshalFault(code, msg))
}

func dump(b *strings.Builder, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("<value><nil/></value>") // the stdlib writes no newline here
	case bool:
		n := 0
		if x {
			n = 1
		}
		fmt.Fprintf(b, "<value><boolean>%d</boolean></value>\n", n)
	case int64:
		if x > 1<<31-1 || x < -1<<31 {
			fmt.Fprintf(b, "<value><i8>%d</i8></value>\n", x)
		} else {
			fmt.Fprintf(b, "<value><int>%d</int></value>\n", x)
		}
	case float64:
		b.WriteString("<value><double>" + strconv.FormatFloat(x, 'g', 17, 64) + "</double></value>\n")
	case string:
		b.WriteString("<value><string>")
		_ = xml.EscapeText(b, []byte(x))
		b.WriteString("</string></value>\n")
	case []any:
		b.WriteString("<value><array><data>\n")
		for _, e := range x {
			if err := dump(b, e); err != nil {
				return err
			}
		}
		b.WriteString("</data></array></value>\n")
	case orderedStruct:
		b.WriteString("<value><struct>\n")
		for _, m := range x {
			b.WriteString("<member>\n<name>")
			_ = xml.EscapeText(b, []byte(m.name))
			b.WriteString("</name>\n")
			if err := dump(b, m.value); err != nil {
				return err
			}
			b.WriteString("</member>\n")
		}
		b.WriteString("</struct></value>\n")
	case map[string]koji.Value:
		s := orderedStruct{}
		for k, e := range x {
			s = append(s, member{k, e})
		}
		return dump(b, s)
	default:
		return fmt.Errorf("kojitest: cannot marshal %T", v)
	}
	return nil
}
