package matrix

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/matrixgen/matrixgen"
)

// PlanVersion is the "matrixgen_plan" value this package writes and reads.
const PlanVersion = 1

// Plan is every build of one run, with the chunking that splits them into
// GitHub Actions matrices. It travels between jobs as a file (an artifact
// of the run): the planning job writes it, and each chunk job selects its
// matrix from it with Chunk, so step outputs stay small whatever the count.
type Plan struct {
	ChunkSize int      // builds per matrix, 1 to MaxJobs
	Axes      []string // axis names in --axis order; every entry has them in this order
	Entries   []Entry
}

// NewPlan chunks entries by size (MaxJobs when size < 1).
func NewPlan(entries []Entry, axes []Axis, size int) Plan {
	if size < 1 || size > MaxJobs {
		size = MaxJobs
	}
	p := Plan{ChunkSize: size, Entries: entries}
	for _, a := range axes {
		p.Axes = append(p.Axes, a.Name)
	}
	return p
}

// Chunks is the number of matrices the plan splits into: 0 for no builds.
func (p Plan) Chunks() int { return (len(p.Entries) + p.ChunkSize - 1) / p.ChunkSize }

// ChunkIDs are the ids Chunk accepts, 1 to Chunks(): the values of a
// workflow matrix over chunks.
func (p Plan) ChunkIDs() []int {
	ids := make([]int, p.Chunks())
	for i := range ids {
		ids[i] = i + 1
	}
	return ids
}

// Chunk returns the builds of chunk n (1-based).
func (p Plan) Chunk(n int) ([]Entry, error) {
	if c := p.Chunks(); n < 1 || n > c {
		if c == 0 {
			return nil, fmt.Errorf("chunk %d: the plan has no builds, so no chunks", n)
		}
		return nil, fmt.Errorf("chunk %d: want 1 to %d (the plan's chunks)", n, c)
	}
	lo := (n - 1) * p.ChunkSize
	return p.Entries[lo:min(lo+p.ChunkSize, len(p.Entries))], nil
}

// Digest is the plan's SHA-256 over its chunk size, axis names and
// builds in canonical form (a header, then each build's JSON and a
// newline), as lowercase hex. A reader recomputes it to refuse a plan that
// was edited or damaged on the way between jobs.
func (p Plan) Digest() string {
	d, _ := p.digest()
	return d
}

// digest is Digest, and whether no build needed escaping (none of their
// JSON holds a backslash), so a second rendering can skip the checks.
func (p Plan) digest() (string, bool) {
	h := sha256.New()
	h.Write(p.canonicalHeader())
	var b []byte
	plain := true
	for _, e := range p.Entries {
		b = e.appendJSON(b[:0])
		plain = plain && bytes.IndexByte(b, '\\') < 0
		b = append(b, '\n')
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), plain
}

func (p Plan) canonicalHeader() []byte {
	b := append([]byte(nil), "matrixgen-plan/1\n"...)
	b = strconv.AppendInt(b, int64(p.ChunkSize), 10)
	b = append(b, '\n')
	for i, a := range p.Axes {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, a...)
	}
	return append(b, '\n')
}

// AppendJSON appends the plan file: a few header fields and one build per
// line, so a plan diffs well. Each build is rendered once: it is hashed
// from the output, and the digest is filled into its reserved place last.
// WriteTo writes the same bytes without holding them in memory.
func (p Plan) AppendJSON(b []byte) []byte {
	if len(p.Entries) > 0 {
		// Builds are of similar length: size the buffer once.
		b = slices.Grow(b, 512+len(p.Entries)*(len(p.Entries[0].appendJSON(nil))+32))
	}
	h := sha256.New()
	h.Write(p.canonicalHeader())
	b = p.appendHead(b, nil)
	at := len(b) - len(planDigestEnd) - sha256.Size*2
	nl := []byte{'\n'}
	for i, e := range p.Entries {
		start := len(b)
		b = appendBuild(b, i, e)
		h.Write(b[start+len(planBuildSep(i)):])
		h.Write(nl)
	}
	hex.Encode(b[at:at+sha256.Size*2], h.Sum(nil))
	return p.appendTail(b)
}

// planDigestEnd follows the digest in the header.
const planDigestEnd = "\",\n  \"builds\": ["

// appendHead appends the header fields, with the digest's hex (or room
// for it, filled in by the caller, when digest is nil) and the opening of
// the builds list.
func (p Plan) appendHead(b, digest []byte) []byte {
	b = append(b, "{\n  \"matrixgen_plan\": "...)
	b = strconv.AppendInt(b, PlanVersion, 10)
	b = append(b, ",\n  \"chunk_size\": "...)
	b = strconv.AppendInt(b, int64(p.ChunkSize), 10)
	b = append(b, ",\n  \"count\": "...)
	b = strconv.AppendInt(b, int64(len(p.Entries)), 10)
	b = append(b, ",\n  \"chunks\": "...)
	b = strconv.AppendInt(b, int64(p.Chunks()), 10)
	b = append(b, ",\n  \"axes\": ["...)
	for i, a := range p.Axes {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendString(b, a)
	}
	b = append(b, "],\n  \"sha256\": \""...)
	if digest == nil {
		b = append(b, make([]byte, sha256.Size*2)...)
	} else {
		b = append(b, digest...)
	}
	return append(b, planDigestEnd...)
}

// planBuildSep is what precedes build i in the builds list.
func planBuildSep(i int) string {
	if i > 0 {
		return ",\n    "
	}
	return "\n    "
}

// appendBuild appends build i of the builds list, with its separator.
func appendBuild(b []byte, i int, e Entry) []byte {
	return e.appendJSON(append(b, planBuildSep(i)...))
}

func (p Plan) appendTail(b []byte) []byte {
	if len(p.Entries) > 0 {
		b = append(b, "\n  "...)
	}
	return append(b, "]\n}\n"...)
}

// WriteTo writes the plan file, the bytes AppendJSON makes, to w through
// a small buffer, so a plan of hundreds of thousands of builds is never
// whole in memory: the builds are rendered twice, once for the digest the
// header carries and once to write them.
func (p Plan) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 64<<10)
	digest, plain := p.digest()
	b := p.appendHead(make([]byte, 0, 1024), []byte(digest))
	for i, e := range p.Entries {
		if len(b) >= 60<<10 {
			bw.Write(b) // errors stick in bw and come back from Flush
			b = b[:0]
		}
		if plain {
			b = e.appendPlainJSON(append(b, planBuildSep(i)...))
		} else {
			b = appendBuild(b, i, e)
		}
	}
	bw.Write(p.appendTail(b))
	err := bw.Flush()
	return cw.n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// ErrPlanDigest is wrapped by ParsePlan's error for a plan whose builds do
// not match its sha256: edited or damaged since it was written.
var ErrPlanDigest = errors.New("plan digest mismatch")

// PlanDigestError shows both sides of a digest mismatch.
type PlanDigestError struct{ Recorded, Computed string }

func (e *PlanDigestError) Error() string {
	return fmt.Sprintf("sha256 mismatch: the plan records %s but its contents hash to %s: the plan was edited or damaged after matrixgen wrote it (write it again with --plan-out)", e.Recorded, e.Computed)
}

// Is makes errors.Is(err, ErrPlanDigest) true.
func (e *PlanDigestError) Is(target error) bool { return target == ErrPlanDigest }

// ParsePlan reads a plan file and checks it whole: its version, that its
// recorded count, chunks and sha256 match its builds, and every build
// against the rules Build follows (valid names, the cache key its fields
// make, no shared artifact or cache key). A digest is no signature: the
// per-build checks are what keep a hand-made plan from injecting names.
func ParsePlan(data []byte) (Plan, error) {
	var p Plan
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := expectDelim(d, '{'); err != nil {
		return p, err
	}
	var version, count, chunks int
	var digest string
	seen := map[string]bool{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return p, syntaxErr(d, err)
		}
		key := tok.(string) // object keys are always strings
		if seen[key] {
			return p, fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		switch key {
		case "matrixgen_plan":
			version, err = readInt(d, key)
		case "chunk_size":
			p.ChunkSize, err = readInt(d, key)
		case "count":
			count, err = readInt(d, key)
		case "chunks":
			chunks, err = readInt(d, key)
		case "axes":
			p.Axes, err = readStrings(d, key)
		case "sha256":
			digest, err = readString(d, key)
		case "builds":
			p.Entries, err = readEntries(d)
		default:
			return p, fmt.Errorf("unknown key %q (a plan has matrixgen_plan, chunk_size, count, chunks, axes, sha256, builds)", key)
		}
		if err != nil {
			return p, err
		}
	}
	if err := expectDelim(d, '}'); err != nil {
		return p, err
	}
	if _, err := d.Token(); err != io.EOF {
		return p, fmt.Errorf("data after the plan object at byte %d", d.InputOffset())
	}
	for _, k := range []string{"matrixgen_plan", "chunk_size", "count", "chunks", "axes", "sha256", "builds"} {
		if !seen[k] {
			return p, fmt.Errorf("no %q: not a complete plan", k)
		}
	}
	if version != PlanVersion {
		return p, fmt.Errorf("matrixgen_plan %d: this matrixgen reads version %d", version, PlanVersion)
	}
	if p.ChunkSize < 1 || p.ChunkSize > MaxJobs {
		return p, fmt.Errorf("chunk_size %d: want 1 to %d", p.ChunkSize, MaxJobs)
	}
	if got := p.Digest(); got != digest {
		return p, &PlanDigestError{Recorded: digest, Computed: got}
	}
	if count != len(p.Entries) || chunks != p.Chunks() {
		return p, fmt.Errorf("count %d and chunks %d do not match the %d builds (%d chunks)", count, chunks, len(p.Entries), p.Chunks())
	}
	return p, p.check()
}

// check applies Build's rules to every build of a plan read from a file.
func (p Plan) check() error {
	for i, a := range p.Axes {
		if !reAxisName.MatchString(a) || reFixed[a] || slices.Contains(p.Axes[:i], a) {
			return fmt.Errorf("axes: %q is not a usable axis name", a)
		}
	}
	artifacts := make(map[string]int, len(p.Entries))
	keys := make(map[string]int, len(p.Entries))
	var last kernelCheck
	for i, e := range p.Entries {
		if err := p.checkEntry(e, &last); err != nil {
			return fmt.Errorf("builds[%d]: %w", i, err)
		}
		if j, ok := artifacts[e.Artifact]; ok {
			return fmt.Errorf("builds[%d] and builds[%d] share the artifact %q", j, i, e.Artifact)
		}
		artifacts[e.Artifact] = i
		if j, ok := keys[e.CacheKey]; ok {
			return fmt.Errorf("builds[%d] and builds[%d] share the cache key %q", j, i, e.CacheKey)
		}
		keys[e.CacheKey] = i
	}
	return nil
}

// kernelCheck remembers the last kernel a plan's build named and what the
// constructor said of it: a kernel's builds (drivers × axis values) are
// next to each other, so each kernel is made once.
type kernelCheck struct {
	key matrixgen.Key
	err error
	ok  bool
}

// kernel checks the kernel a build names through the one constructor, so
// a plan's build obeys the consistency rule (a .fc42 release is not Fedora
// 41) as every other entry point does, and the fields are the canonical
// ones Make gives.
func (c *kernelCheck) kernel(e Entry) error {
	key := matrixgen.Key{Distribution: e.Distribution, DistroVersion: e.DistroVersion, Arch: matrixgen.Arch(e.Architecture), Release: e.KernelRelease}
	if c.ok && c.key == key {
		return c.err
	}
	k, err := matrixgen.Make(matrixgen.Spec{Target: e.Distribution, Arch: key.Arch, Release: e.KernelRelease, DistroVersion: e.DistroVersion})
	switch {
	case err != nil:
	case k.Arch != key.Arch:
		err = fmt.Errorf("architecture %q: want the canonical name %q", e.Architecture, k.Arch)
	case k.Distribution != e.Distribution:
		err = fmt.Errorf("distribution %q: want the canonical name %q", e.Distribution, k.Distribution)
	}
	*c = kernelCheck{key: key, err: err, ok: true}
	return err
}

func (p Plan) checkEntry(e Entry, last *kernelCheck) error {
	if err := last.kernel(e); err != nil {
		return err
	}
	if e.DriverVersion != "" {
		if err := ValidateDriverVersion(e.DriverVersion); err != nil {
			return err
		}
	}
	if !validName(e.Artifact, artifactByte) {
		return fmt.Errorf("artifact %q: not a valid name", e.Artifact)
	}
	if !validName(e.BaseImage, imageByte) {
		return fmt.Errorf("base_image %q: not an image reference", e.BaseImage)
	}
	if len(e.Axes) != len(p.Axes) {
		return fmt.Errorf("%d axis fields, want %d (%v)", len(e.Axes), len(p.Axes), p.Axes)
	}
	for i, a := range e.Axes {
		if a.Name != p.Axes[i] {
			return fmt.Errorf("axis field %q where the plan's axes want %q", a.Name, p.Axes[i])
		}
		if err := matrixgen.ValidateKernelVersion(a.Value); err != nil || a.Value == "" {
			return fmt.Errorf("axis %s value %q: not a valid value", a.Name, a.Value)
		}
	}
	if want := CacheKey(e.KernelRelease, matrixgen.Arch(e.Architecture), e.Distribution, e.DistroVersion, e.DriverVersion, e.Axes); e.CacheKey != want {
		return fmt.Errorf("cache_key %q: the build's fields make %q", e.CacheKey, want)
	}
	return nil
}

func syntaxErr(d *json.Decoder, err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("byte %d: %w", d.InputOffset(), err)
}

func expectDelim(d *json.Decoder, want json.Delim) error {
	tok, err := d.Token()
	if err != nil {
		return syntaxErr(d, err)
	}
	if tok != want {
		return fmt.Errorf("byte %d: want %q, found %v", d.InputOffset(), want, tok)
	}
	return nil
}

func readInt(d *json.Decoder, key string) (int, error) {
	tok, err := d.Token()
	if err != nil {
		return 0, syntaxErr(d, err)
	}
	n, ok := tok.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%s: want a number, found %v", key, tok)
	}
	i, err := strconv.Atoi(n.String())
	if err != nil || i < 0 {
		return 0, fmt.Errorf("%s: want a non-negative integer, found %s", key, n)
	}
	return i, nil
}

func readString(d *json.Decoder, key string) (string, error) {
	tok, err := d.Token()
	if err != nil {
		return "", syntaxErr(d, err)
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("%s: want a string, found %v", key, tok)
	}
	return s, nil
}

func readStrings(d *json.Decoder, key string) ([]string, error) {
	if err := expectDelim(d, '['); err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	var out []string
	for d.More() {
		s, err := readString(d, key)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, expectDelim(d, ']')
}

// readEntries reads the builds in order and each build's keys in order:
// axis fields follow the fixed ones, and their order is part of the
// digest, so a map decode (which loses order) will not do.
func readEntries(d *json.Decoder) ([]Entry, error) {
	if err := expectDelim(d, '['); err != nil {
		return nil, fmt.Errorf("builds: %w", err)
	}
	var out []Entry
	for d.More() {
		e, err := readEntry(d)
		if err != nil {
			return nil, fmt.Errorf("builds[%d]: %w", len(out), err)
		}
		out = append(out, e)
	}
	return out, expectDelim(d, ']')
}

func readEntry(d *json.Decoder) (Entry, error) {
	var e Entry
	if err := expectDelim(d, '{'); err != nil {
		return e, err
	}
	seen := map[string]bool{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return e, syntaxErr(d, err)
		}
		key := tok.(string)
		if seen[key] {
			return e, fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		v, err := readString(d, key)
		if err != nil {
			return e, err
		}
		switch key {
		case "distribution":
			e.Distribution = v
		case "distro_version":
			e.DistroVersion = v
		case "kernel_release":
			e.KernelRelease = v
		case "architecture":
			e.Architecture = v
		case "driver_version":
			e.DriverVersion = v
		case "base_image":
			e.BaseImage = v
		case "cache_key":
			e.CacheKey = v
		case "artifact":
			e.Artifact = v
		default:
			e.Axes = append(e.Axes, AxisValue{Name: key, Value: v})
		}
	}
	for _, f := range fixedFields {
		if !seen[f] {
			return e, fmt.Errorf("no %q", f)
		}
	}
	return e, expectDelim(d, '}')
}
