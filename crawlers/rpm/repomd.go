package rpm

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Repomd is a parsed repodata/repomd.xml.
type Repomd struct {
	Revision string // not always a number: CentOS Stream 9 writes "9-stream"
	Data     []Data
}

// Data is one <data type="..."> record.
type Data struct {
	Type         string // "primary", "primary_db", "filelists", "primary_zck", ...
	Checksum     Checksum
	OpenChecksum Checksum // of the decompressed file; zero for records without one (group)
	Href         string   // location href as written, relative to the repository base
	Base         string   // location xml:base, when present
	Size         int64
	OpenSize     int64
	DBVersion    int // database_version of *_db records
}

// Checksum is an algorithm ("sha256") and a lowercase hex digest.
type Checksum struct {
	Type  string
	Value string
}

// maxRepomd caps repomd.xml: real ones are 1.5-7 KB (see fixtures/rpm/real).
const maxRepomd = 4 << 20

// ParseRepomd reads a repomd.xml; name (its URL) is used in errors. Unknown elements are
// ignored; records are kept in file order (which differs between generators: select by Type).
func ParseRepomd(r io.Reader, name string) (*Repomd, error) {
	var doc struct {
		XMLName  xml.Name `xml:"repomd"`
		Revision string   `xml:"revision"`
		Data     []struct {
			Type     string `xml:"type,attr"`
			Checksum struct {
				Type  string `xml:"type,attr"`
				Value string `xml:",chardata"`
			} `xml:"checksum"`
			OpenChecksum struct {
				Type  string `xml:"type,attr"`
				Value string `xml:",chardata"`
			} `xml:"open-checksum"`
			Location struct {
				Href string `xml:"href,attr"`
				Base string `xml:"http://www.w3.org/XML/1998/namespace base,attr"`
			} `xml:"location"`
			Size      string `xml:"size"`
			OpenSize  string `xml:"open-size"`
			DBVersion string `xml:"database_version"`
		} `xml:"data"`
	}
	d := xml.NewDecoder(io.LimitReader(r, maxRepomd))
	if err := d.Decode(&doc); err != nil {
		line, _ := d.InputPos()
		return nil, &ParseError{Name: name, Line: line, Msg: "repomd.xml", Err: err}
	}
	m := &Repomd{Revision: strings.TrimSpace(doc.Revision)}
	for _, x := range doc.Data {
		rec := Data{
			Type:         x.Type,
			Checksum:     Checksum{Type: strings.TrimSpace(x.Checksum.Type), Value: strings.ToLower(strings.TrimSpace(x.Checksum.Value))},
			OpenChecksum: Checksum{Type: strings.TrimSpace(x.OpenChecksum.Type), Value: strings.ToLower(strings.TrimSpace(x.OpenChecksum.Value))},
			Href:         x.Location.Href,
			Base:         x.Location.Base,
		}
		var err error
		if rec.Size, err = parseCount(x.Size); err == nil {
			if rec.OpenSize, err = parseCount(x.OpenSize); err == nil {
				var v int64
				v, err = parseCount(x.DBVersion)
				rec.DBVersion = int(v)
			}
		}
		if err != nil {
			return nil, &ParseError{Name: name, Msg: fmt.Sprintf("data type %q", x.Type), Err: err}
		}
		if rec.Type == "" {
			return nil, &ParseError{Name: name, Msg: "a <data> record has no type"}
		}
		m.Data = append(m.Data, rec)
	}
	return m, nil
}

// parseCount parses a non-negative decimal; "" is 0 (the element is absent).
func parseCount(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' || n > (1<<62)/10 {
			return 0, fmt.Errorf("invalid count %q", s)
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}

// Record returns the record of exactly type t ("primary" is not "primary_zck"), or nil.
func (m *Repomd) Record(t string) *Data {
	for i := range m.Data {
		if m.Data[i].Type == t {
			return &m.Data[i]
		}
	}
	return nil
}

// Types lists the record types in file order.
func (m *Repomd) Types() []string {
	ts := make([]string, len(m.Data))
	for i, d := range m.Data {
		ts[i] = d.Type
	}
	return ts
}

// Primary returns the record to read packages from: the primary XML, or only when there is
// none (some Amazon Linux repositories), the primary_db SQLite file. nil when neither exists.
func (m *Repomd) Primary() *Data {
	if d := m.Record("primary"); d != nil {
		return d
	}
	return m.Record("primary_db")
}
