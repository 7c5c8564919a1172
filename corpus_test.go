package matrixgen

import (
	"encoding/json"
	"errors"
	"os"
	"sort"
	"strings"
	"testing"
)

// corpusEntry is one entry of the real Falco kernel-crawler output.
type corpusEntry struct {
	Key, Target, Release, KernelVersion string
}

func loadCorpus(tb testing.TB) []corpusEntry {
	tb.Helper()
	data, err := os.ReadFile("fixtures/kernel-crawler-2022-08/x86_64.json")
	if err != nil {
		tb.Fatal(err)
	}
	var raw map[string][]struct {
		KernelVersion json.RawMessage `json:"kernelversion"`
		KernelRelease string          `json:"kernelrelease"`
		Target        string          `json:"target"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		tb.Fatal(err)
	}
	var out []corpusEntry
	for key, entries := range raw {
		for _, e := range entries {
			kv := strings.Trim(string(e.KernelVersion), `"`)
			out = append(out, corpusEntry{Key: key, Target: e.Target, Release: e.KernelRelease, KernelVersion: kv})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key+out[i].Release < out[j].Key+out[j].Release })
	return out
}

// TestDeriveCorpus runs derivation over the 4,450 real entries of the 2022
// Falco crawl. Every RPM-family entry must derive, to the version its Falco
// key names where the key names one. Every Ubuntu and Debian entry must
// derive too, except the refusals DESIGN.md asks for (OEM and other series
// that are no release's GA kernel, with a plain upload); an Ubuntu upload
// that names a release (~YY.MM) must give that release. The distributions
// matrixgen does not build for are refused with their reason, and so are the
// Flatcar entries, whose kernelrelease is a Flatcar release, not uname -r.
func TestDeriveCorpus(t *testing.T) {
	corpus := loadCorpus(t)
	if len(corpus) != 4450 {
		t.Fatalf("corpus has %d entries, want 4450", len(corpus))
	}
	mustDerive := map[string]string{ // Falco key → expected version ("" = any)
		"Fedora": "", "CentOS": "", "Oracle6": "6", "Oracle7": "7", "Oracle8": "8",
		"AmazonLinux": "1", "AmazonLinux2": "2", "AmazonLinux2022": "2022",
		"Ubuntu": "", "Debian": "",
	}
	// Series Ubuntu shipped only as OEM or cloud kernels of one release:
	// a plain upload cannot tell which, so derivation refuses them.
	notGA := map[string]bool{"4.11": true, "5.6": true, "5.10": true, "5.14": true, "5.17": true}
	unsupported := map[string]bool{"Minikube": true}
	refused := map[string]int{}
	for _, e := range corpus {
		d, err := Derive(Input{Target: e.Target, Release: e.Release, KernelVersion: e.KernelVersion})
		switch {
		case e.Key == "PhotonOS":
			// Falco wrote Photon releases with the arch appended
			// (5.10.25-10.ph4.x86_64), which is no uname -r: refused, naming it.
			if !errors.Is(err, ErrUnderivable) || !strings.Contains(err.Error(), "Falco's spelling") {
				t.Errorf("%s %s: %v; want refused as Falco's spelling", e.Key, e.Release, err)
			}
			refused[e.Key]++
			continue
		case unsupported[e.Key]:
			if !errors.Is(err, ErrUnderivable) || !strings.Contains(err.Error(), "does not build for") {
				t.Errorf("%s %s: %v; want refused as unsupported", e.Key, e.Release, err)
			}
			refused[e.Key]++
			continue
		case e.Key == "Flatcar":
			// The 2022 crawler wrote the Flatcar release ("3305.0.1") as
			// kernelrelease: not what uname -r prints (5.15.63-flatcar).
			if !errors.Is(err, ErrUnderivable) || !strings.Contains(err.Error(), "-flatcar, as uname -r prints it") {
				t.Errorf("%s %s: %v; want refused: not a Flatcar uname -r", e.Key, e.Release, err)
			}
			refused[e.Key]++
			continue
		case e.Key == "Ubuntu" && notGA[seriesOf(e.Release)] && reUbuNum.MatchString(e.KernelVersion):
			if !errors.Is(err, ErrUnderivable) || !strings.Contains(err.Error(), "no Ubuntu release's GA kernel") {
				t.Errorf("%s %s %s: %v; want refused: series is no release's GA kernel", e.Key, e.Release, e.KernelVersion, err)
			}
			refused[e.Key]++
			continue
		}
		want, must := mustDerive[e.Key]
		if !must {
			t.Errorf("corpus key %s is covered by no rule of this test", e.Key)
			continue
		}
		if err != nil {
			t.Errorf("%s %s %s %s: %v", e.Key, e.Target, e.Release, e.KernelVersion, err)
			continue
		}
		if i := strings.IndexByte(e.KernelVersion, '~'); e.Key == "Ubuntu" && i >= 0 {
			want = e.KernelVersion[i+1 : i+6] // "24~18.04.1" → "18.04"
		}
		if want != "" && d.DistroVersion != want {
			t.Errorf("%s %s %s: derived %q by %q, want %q", e.Key, e.Release, e.KernelVersion, d.DistroVersion, d.Rule, want)
		}
	}
	// The refusals are exactly these many: a change that refuses more real
	// kernels fails here.
	wantRefused := map[string]int{"Flatcar": 282, "Minikube": 6, "PhotonOS": 190, "Ubuntu": 98}
	for k, n := range wantRefused {
		if refused[k] != n {
			t.Errorf("%s: %d entries refused, want %d", k, refused[k], n)
		}
	}
}

func BenchmarkDeriveCorpus(b *testing.B) {
	corpus := loadCorpus(b)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for _, e := range corpus {
			_, _ = Derive(Input{Target: e.Target, Release: e.Release, KernelVersion: e.KernelVersion})
			n++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/release")
}
