package service_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matrixgen/matrixgen/service"
	"github.com/matrixgen/matrixgen/service/servicetest"
)

// TestRHCOSRequests: the service accepts an RHCOS node's request (rhcos,
// its OpenShift minor), names its build with the GPU Operator's tag, and
// refuses a kernel whose RHEL is not the minor's, or no minor at all.
func TestRHCOSRequests(t *testing.T) {
	in := start(t, "sqlite:"+filepath.Join(t.TempDir(), "b.db"), servicetest.New(), func(c *service.Config) {
		c.ArtifactTemplate = "precompiled-image"
	})
	tests := []struct {
		name     string
		req      service.Request
		code     int
		artifact string // on success
		field    string // on refusal
		rule     string
	}{
		{"an RHCOS 4.15 node", service.Request{KernelVersion: "5.14.0-284.54.1.el9_2.aarch64+64k", Architecture: "aarch64+64k", Distribution: "rhcos", DistroVersion: "4.15", DriverVersion: "550.54.14"},
			0, "550.54.14-5.14.0-284.54.1.el9_2.aarch64_64k-rhcos4.15", "", ""},
		{"a RHEL 9.4 host", service.Request{KernelVersion: "5.14.0-427.13.1.el9_4.x86_64", Architecture: "x86_64", Distribution: "rhel", DistroVersion: "9", DriverVersion: "550.54.14"},
			0, "550.54.14-5.14.0-427.13.1.el9_4.x86_64-rhel9.4", "", ""},
		{"the kernel of another minor's RHEL", service.Request{KernelVersion: "5.14.0-284.54.1.el9_2.x86_64", Architecture: "x86_64", Distribution: "rhcos", DistroVersion: "4.16", DriverVersion: "550.54.14"},
			400, "", "distro_version", "OpenShift 4.16's RHCOS is RHEL 9.4"},
		{"no minor", service.Request{KernelVersion: "5.14.0-284.54.1.el9_2.x86_64", Architecture: "x86_64", Distribution: "rhcos", DriverVersion: "550.54.14"},
			400, "", "distro_version", "ambiguous without the OpenShift minor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := json.Marshal(tt.req)
			resp, err := http.Post(in.srv.URL+"/build", "application/json", bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if tt.code == 0 {
				var st service.Status
				if err := json.Unmarshal(raw, &st); err != nil || resp.StatusCode >= 300 || st.Artifact != tt.artifact {
					t.Errorf("%d %s; want accepted as %s", resp.StatusCode, raw, tt.artifact)
				}
				return
			}
			var e struct{ Error, Field string }
			_ = json.Unmarshal(raw, &e)
			if resp.StatusCode != tt.code || e.Field != tt.field || !strings.Contains(e.Error, tt.rule) {
				t.Errorf("%d %s; want %d naming %s and %q", resp.StatusCode, raw, tt.code, tt.field, tt.rule)
			}
		})
	}
}
