package resolve

import (
	"context"
	"fmt"
	"github.com/matrixgen/matrixgen/crawlers/distros"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen"
)

// TestReadNEVRA reads every fixture RPM over an in-memory ReadAt and checks its identity
// against the NEVRA its Koji path names, and that no read went past the header's end.
func TestReadNEVRA(t *testing.T) {
	tests := []struct {
		file string
		want NEVRA
	}{
		{bigRPM, NEVRA{Name: "kernel-devel", Version: "6.16.8", Release: "100.fc41", Arch: "x86_64"}},
		{cbsRPM, NEVRA{Name: "kernel-devel", Version: "5.14.0", Release: "580.el9", Arch: "x86_64"}},
		{"koji-stream-files/packages/kernel/5.14.0/600.el9/x86_64/kernel-devel-5.14.0-600.el9.x86_64.rpm", NEVRA{Name: "kernel-devel", Version: "5.14.0", Release: "600.el9", Arch: "x86_64"}},
		{"koji-fedora-files/vol/fedora_koji_archive02/packages/kernel/6.7.5/100.fc38/x86_64/kernel-devel-6.7.5-100.fc38.x86_64.rpm", NEVRA{Name: "kernel-devel", Version: "6.7.5", Release: "100.fc38", Arch: "x86_64"}},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(filesRoot, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			var read, last int64
			got, end, err := ReadNEVRA(func(off, n int64) ([]byte, error) {
				read += n
				last = max(last, off+n)
				if off+n > int64(len(b)) {
					return nil, errShort
				}
				return b[off : off+n], nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if want := headerEnd(t, tc.file); end != want {
				t.Errorf("header end %d, want %d", end, want)
			}
			if last > end {
				t.Errorf("read up to byte %d, past the header's end %d", last, end)
			}
			t.Logf("%s: read %d bytes of a %d-byte header (%d-byte file)", tc.want, read, end, len(b))
		})
	}
}

// TestVerify: --verify reads only header bytes (counted by the server, against the RPM's
// header end), catches a URL whose RPM is another NEVRA, and copes with a server that
// ignores Range by closing the body early.
func TestVerify(t *testing.T) {
	const release = "6.16.8-100.fc41.x86_64"
	tests := []struct {
		name      string
		noRange   bool
		wrongURL  bool
		wantLink  string
		wantTried []string
	}{
		{name: "koji answer verified over Range", wantLink: "koji",
			wantTried: []string{"repo fedora: releases", "repo fedora: updates"}},
		{name: "a URL holding another NEVRA is refused", wrongURL: true, wantLink: "koji",
			wantTried: []string{"repo fedora: releases", "repo fedora: updates",
				"url url: --verify: {url} is kernel-devel-5.14.0-580.el9.x86_64, want kernel-devel-6.16.8-100.fc41.x86_64"}},
		{name: "server without Range", noRange: true, wantLink: "koji",
			wantTried: []string{"repo fedora: releases", "repo fedora: updates"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.noRange.Store(tc.noRange)
			req := Request{Target: "fedora", Release: release, Arch: matrixgen.X86_64, Verify: true, Mirrors: e.mirrors}
			var wrong string
			if tc.wrongURL {
				wrong = e.url("kernel-devel-6.16.8-100.fc41.x86_64.rpm", cbsRPM)
				req.URLs = []string{wrong}
			}
			res, err := Resolve(context.Background(), newFetcher(t), distros.All(), req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Link == nil || *res.Link != tc.wantLink || !res.Verified {
				t.Fatalf("link %v verified %v, want %s verified (tried %+v)", res.Link, res.Verified, tc.wantLink, res.Tried)
			}
			if len(res.Tried) != len(tc.wantTried) {
				t.Fatalf("tried %+v, want %d entries", res.Tried, len(tc.wantTried))
			}
			for i, w := range tc.wantTried {
				w = strings.ReplaceAll(w, "{url}", wrong)
				if got := res.Tried[i].Link + " " + res.Tried[i].Source + ": " + res.Tried[i].Error; !strings.HasPrefix(got, w) {
					t.Errorf("tried[%d] = %q, want %q", i, got, w)
				}
			}
			end := headerEnd(t, bigRPM)
			served := e.served(bigRPM)
			if tc.wrongURL {
				if n, cbsEnd := e.served(cbsRPM), headerEnd(t, cbsRPM); n <= 0 || n > cbsEnd {
					t.Errorf("the refused URL: %d bytes sent, want 0 < n <= its header end %d", n, cbsEnd)
				}
			}
			if tc.noRange {
				// The server wrote what the socket took before the client closed;
				// what the client read is checked in TestVerifyNoRange.
				return
			}
			if served <= 0 || served > end {
				t.Fatalf("the file server sent %d body bytes for the %d-byte header: want 0 < n <= %d (no payload byte)", served, end, end)
			}
			t.Logf("served %d bytes of a %d-byte header", served, end)
		})
	}
}

// TestVerifyNoRange: a server that ignores Range sends the whole file; the reader takes the
// header's bytes only and closes the body.
func TestVerifyNoRange(t *testing.T) {
	e := newEnv(t)
	e.noRange.Store(true)
	u := e.files.URL + "/" + bigRPM
	v, err := VerifyRPM(context.Background(), newFetcher(t), u, NEVRA{Name: "kernel-devel", Version: "6.16.8", Release: "100.fc41", Arch: "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(filepath.Join(filesRoot, bigRPM))
	if v.Ranged || v.HeaderEnd != headerEnd(t, bigRPM) || v.Bytes > v.HeaderEnd || v.Bytes >= st.Size() {
		t.Fatalf("ranged %v, read %d bytes, header end %d, file %d: want an unranged read that stops inside the header", v.Ranged, v.Bytes, v.HeaderEnd, st.Size())
	}
}

func FuzzReadNEVRA(f *testing.F) {
	for _, file := range []string{cbsRPM} {
		b, err := os.ReadFile(filepath.Join(filesRoot, file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:9000])
	}
	f.Add([]byte{0xed, 0xab, 0xee, 0xdb})
	f.Fuzz(func(t *testing.T, b []byte) {
		var last int64
		_, end, err := ReadNEVRA(func(off, n int64) ([]byte, error) {
			if off < 0 || n < 0 || off+n > int64(len(b)) {
				return nil, fmt.Errorf("read %d+%d: %w", off, n, errShort)
			}
			last = max(last, off+n)
			return b[off : off+n], nil
		})
		if err == nil && last > end {
			t.Fatalf("read up to %d, past the header's end %d", last, end)
		}
	})
}
