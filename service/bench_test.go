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
// p99 latency seen by the clients. make bench-serve runs it.
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
			// Ten kernels, each already released.
			var ids []string
			var bodies [][]byte
			for i := 0; i < 10; i++ {
				req := ubuntu(fmt.Sprintf("6.8.0-%d-generic", 40+i), "24.04")
				gh.Publish("1.0.0", fmt.Sprintf("driver-ubuntu-24.04-6.8.0-%d-generic_1.0.0_amd64.deb", 40+i))
				body, _ := json.Marshal(req)
				bodies = append(bodies, body)
				resp, err := http.Post(in+"/build", "application/json", bytes.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				var st service.Status
				_ = json.NewDecoder(resp.Body).Decode(&st)
				resp.Body.Close()
				if st.Status != service.StateDone {
					b.Fatalf("setup: %+v", st)
				}
				ids = append(ids, st.BuildID)
			}
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
