package service_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/matrixgen/matrixgen/service"
	"github.com/matrixgen/matrixgen/service/servicetest"
)

// BenchmarkAPI measures POST /build on an already-built kernel (the boot
// storm's request) and GET /status, over loopback HTTP with parallel
// clients, on SQLite and PostgreSQL. It reports requests/s and the p50 and
// p99 latency seen by the clients (the README's load table):
//
//	go test ./service -run '^$' -bench BenchmarkAPI -benchtime 3s
func BenchmarkAPI(b *testing.B) {
	for _, store := range []string{"sqlite", "postgres"} {
		b.Run(store, func(b *testing.B) {
			var dsn string
			if store == "sqlite" {
				dsn = "sqlite:" + filepath.Join(b.TempDir(), "b.db")
			} else {
				dsn = pgSchemaB(b)
			}
			gh := servicetest.New()
			in := startB(b, dsn, gh)
			ids, bodies := releasedKernels(b, in, gh)
			b.Run("POST-build-built", func(b *testing.B) {
				measure(b, func(i int) (*http.Response, error) {
					return client.Post(in+"/build", "application/json", bytes.NewReader(bodies[i%10]))
				})
			})
			b.Run("GET-status", func(b *testing.B) {
				measure(b, func(i int) (*http.Response, error) {
					return client.Get(in + "/status/" + ids[i%10])
				})
			})
		})
	}
}

// releasedKernels publishes the artifacts of ten kernels, then asks for each
// with POST /build, which must answer done: the requests the benchmark
// repeats, and the ids of their builds. Every artifact is published before
// the first request, as the service answers a key with no build from a
// release listing up to 5 s old: the first request lists the release, and
// an artifact published after it would read as not built yet (queued).
func releasedKernels(tb testing.TB, in string, gh *servicetest.GitHub) (ids []string, bodies [][]byte) {
	tb.Helper()
	const n = 10
	for i := range n {
		gh.Publish("1.0.0", fmt.Sprintf("driver-ubuntu-24.04-6.8.0-%d-generic_1.0.0_amd64.deb", 40+i))
	}
	for i := range n {
		body, err := json.Marshal(ubuntu(fmt.Sprintf("6.8.0-%d-generic", 40+i), "24.04"))
		if err != nil {
			tb.Fatal(err)
		}
		resp, err := http.Post(in+"/build", "application/json", bytes.NewReader(body))
		if err != nil {
			tb.Fatal(err)
		}
		var st service.Status
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil || st.Status != service.StateDone {
			tb.Fatalf("setup: POST /build %s: %+v, %v (want %s)", body, st, err, service.StateDone)
		}
		ids = append(ids, st.BuildID)
		bodies = append(bodies, body)
	}
	return ids, bodies
}

// TestBenchmarkAPISetup runs BenchmarkAPI's setup, which go test alone
// never does: every kernel it asks for is answered done from the release.
func TestBenchmarkAPISetup(t *testing.T) {
	for name, dsn := range stores(t) {
		t.Run(name, func(t *testing.T) {
			gh := servicetest.New()
			ids, _ := releasedKernels(t, startB(t, dsn(t), gh), gh)
			if len(ids) != 10 || slices.Contains(ids, "") {
				t.Errorf("build ids %q", ids)
			}
		})
	}
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

func measure(b *testing.B, do func(i int) (*http.Response, error)) {
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(8) // 8 clients per core
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		i := 0
		for pb.Next() {
			t0 := time.Now()
			resp, err := do(i)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
			mine = append(mine, time.Since(t0))
			i++
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
