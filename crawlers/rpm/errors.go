package rpm

import "fmt"

// ParseError reports malformed repository metadata, at "name:line: msg".
type ParseError struct {
	Name string // URL or file the text came from
	Line int    // 1-based; 0 when not known
	Msg  string
	Err  error // the underlying decoder error, if any
}

func (e *ParseError) Error() string {
	msg := e.Msg
	if e.Err != nil {
		if msg != "" {
			msg += ": "
		}
		msg += e.Err.Error()
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, msg)
	}
	return fmt.Sprintf("%s: %s", e.Name, msg)
}

func (e *ParseError) Unwrap() error { return e.Err }

// NoPrimaryError is a repomd.xml that lists neither a primary nor a primary_db record:
// there is nothing to read packages from.
type NoPrimaryError struct {
	URL   string   // the repomd.xml
	Types []string // the record types it does list
}

func (e *NoPrimaryError) Error() string {
	return fmt.Sprintf("%s: no primary or primary_db record (types listed: %v)", e.URL, e.Types)
}

// ChecksumTypeError is a repomd record whose checksum algorithm the crawler cannot verify.
// Metadata is never read unverified.
type ChecksumTypeError struct {
	URL  string // the repomd.xml
	Type string // the record's data type, "primary"
	Algo string // e.g. "sha", "sha1", "md5"
}

func (e *ChecksumTypeError) Error() string {
	return fmt.Sprintf("%s: %s record: checksum type %q cannot be verified (want sha256)", e.URL, e.Type, e.Algo)
}
