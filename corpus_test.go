package matrixgen

import (
	"encoding/json"
	"fmt"
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
// key names where the key names one; the rest report their coverage.
func TestDeriveCorpus(t *testing.T) {
	corpus := loadCorpus(t)
	if len(corpus) != 4450 {
		t.Fatalf("corpus has %d entries, want 4450", len(corpus))
	}
	type cov struct{ ok, total int }
	perTarget := map[string]*cov{}
	mustDerive := map[string]string{ // Falco key → expected version ("" = any)
		"Fedora": "", "CentOS": "", "Oracle6": "6", "Oracle7": "7", "Oracle8": "8",
		"AmazonLinux": "1", "AmazonLinux2": "2", "AmazonLinux2022": "2022",
	}
	for _, e := range corpus {
		c := perTarget[e.Target]
		if c == nil {
			c = &cov{}
			perTarget[e.Target] = c
		}
		c.total++
		d, err := Derive(Input{Target: e.Target, Release: e.Release, KernelVersion: e.KernelVersion})
		if err == nil {
			c.ok++
		}
		want, must := mustDerive[e.Key]
		if !must {
			continue
		}
		if err != nil {
			t.Errorf("%s %s %s: %v", e.Key, e.Target, e.Release, err)
			continue
		}
		if want != "" && d.DistroVersion != want {
			t.Errorf("%s %s: derived %q by %q, want %q", e.Key, e.Release, d.DistroVersion, d.Rule, want)
		}
	}
	targets := make([]string, 0, len(perTarget))
	for k := range perTarget {
		targets = append(targets, k)
	}
	sort.Strings(targets)
	var b strings.Builder
	for _, k := range targets {
		c := perTarget[k]
		fmt.Fprintf(&b, "\n  %-28s %4d/%4d", k, c.ok, c.total)
	}
	t.Logf("derivation coverage per target (derived/total):%s", b.String())
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
