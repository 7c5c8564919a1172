package inputs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/falco"
)

// LoadCrawled reads one --crawled argument: a crawl output (Falco list.json)
// as FILE, ARCH=FILE, a directory laid out as DIR/<arch>/list.json (as
// crawl --out-dir writes it), or "-" for stdin. The arch of a file comes
// from ARCH= when given, else from its entries' own releases ("-arm64",
// ".aarch64"), else from its path, else x86_64; a file whose releases name
// another arch than the one it is read as is refused, naming the entry.
func LoadCrawled(ctx context.Context, spec string, stdin io.Reader) ([]*Set, error) {
	archFlag, path := "", spec
	if a, p, ok := strings.Cut(spec, "="); ok && !strings.HasPrefix(spec, "git:") {
		if _, err := matrixgen.ParseArch(a); err != nil {
			return nil, fmt.Errorf("--crawled %s: %q before = is not an arch (want ARCH=FILE, e.g. aarch64=crawl.json): %w", spec, a, err)
		}
		archFlag, path = a, p
	}
	if path == "" {
		return nil, fmt.Errorf("--crawled %q: empty path", spec)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		if archFlag != "" {
			return nil, fmt.Errorf("--crawled %s: a directory holds one list.json per arch: give it without ARCH=", spec)
		}
		return loadCrawledDir(path)
	}
	var data []byte
	var err error
	switch {
	case path == "-":
		if stdin == nil {
			return nil, errors.New("--crawled -: no standard input")
		}
		data, err = io.ReadAll(stdin)
		path = "<stdin>"
	default:
		data, err = read(ctx, path)
	}
	if err != nil {
		return nil, err
	}
	s, err := parseCrawled(data, path, archFlag)
	if err != nil {
		return nil, err
	}
	return []*Set{s}, nil
}

func loadCrawledDir(dir string) ([]*Set, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []*Set
	for _, e := range entries {
		a, err := matrixgen.ParseArch(e.Name())
		if !e.IsDir() || err != nil {
			continue
		}
		p := filepath.Join(dir, e.Name(), "list.json")
		data, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		s, err := parseCrawled(data, p, string(a))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--crawled %s: no <arch>/list.json in this directory (want DIR/x86_64/list.json, as crawl --out-dir writes)", dir)
	}
	return out, nil
}

// parseCrawled reads a Falco list.json as arch (given, or found as
// LoadCrawled says), refusing a file whose releases contradict it.
func parseCrawled(data []byte, name, archFlag string) (*Set, error) {
	if f, err := Detect(data); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	} else if f != Falco {
		return nil, fmt.Errorf("%s: a kernels.json, not crawl output: give it with --kernels", name)
	}
	evidence := ReleaseArches(data)
	var arch matrixgen.Arch
	switch {
	case archFlag != "":
		arch, _ = matrixgen.ParseArch(archFlag)
	case len(evidence) == 1:
		for a := range evidence {
			arch = a
		}
		if p, ok := falco.ArchFromPath(name); ok && p != arch {
			return nil, fmt.Errorf("%s: its path says %s but its releases name %s (e.g. %s): give the arch with --crawled ARCH=%s", name, p, arch, evidence[arch], name)
		}
	case len(evidence) > 1:
		return nil, fmt.Errorf("%s: holds kernels of several arches (%s): a crawl output is one arch per file", name, describe(evidence))
	default:
		arch = matrixgen.X86_64
		if a, ok := falco.ArchFromPath(strings.TrimPrefix(name, "git:")); ok {
			arch = a
		}
	}
	for a, example := range evidence {
		if a != arch {
			return nil, fmt.Errorf("%s: read as %s, but its releases name %s (e.g. %s): refusing the file rather than build them for the wrong arch", name, arch, a, example)
		}
	}
	s, err := parseFalco(data, name, arch)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// ReleaseArches lists the arches the releases of a Falco list.json name,
// each with an example release; releases that name none are not counted.
func ReleaseArches(data []byte) map[matrixgen.Arch]string {
	out := map[matrixgen.Arch]string{}
	gjson.ParseBytes(data).ForEach(func(key, list gjson.Result) bool {
		list.ForEach(func(_, e gjson.Result) bool {
			target := e.Get("target").String()
			if target == "" {
				target = key.String()
			}
			t, err := matrixgen.ParseTarget(target)
			if err != nil {
				return true
			}
			rel := e.Get("kernelrelease").String()
			if a, _, ok := matrixgen.ReleaseArch(t.Distribution, rel); ok && a != "" {
				if _, seen := out[a]; !seen {
					out[a] = rel
				}
			}
			return true
		})
		return true
	})
	return out
}

func describe(ev map[matrixgen.Arch]string) string {
	var parts []string
	for a, r := range ev {
		parts = append(parts, fmt.Sprintf("%s: %s", a, r))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}
