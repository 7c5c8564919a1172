package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRequestBuildRHCOS: on an RHCOS node, request-build asks for rhcos
// and the node's OpenShift minor (OPENSHIFT_VERSION, as RHCOS sets it
// beside VERSION_ID), with the 64k kernel's arch, and no uname -v.
func TestRequestBuildRHCOS(t *testing.T) {
	f := newFakeBuilds(t)
	f.start()
	osr := filepath.Join(t.TempDir(), "os-release")
	// A 4.13 node's /etc/os-release, trimmed to the keys read and a few others.
	text := "NAME=\"Red Hat Enterprise Linux CoreOS\"\nID=\"rhcos\"\nID_LIKE=\"rhel fedora\"\nVERSION=\"413.92.202310210500-0\"\nVERSION_ID=\"4.13\"\nPLATFORM_ID=\"platform:el9\"\nOPENSHIFT_VERSION=\"4.13\"\n"
	if err := os.WriteFile(osr, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := requestBuild(t, f.url(), nil, "--os-release", osr, "--uname-r", "5.14.0-284.40.1.el9_2.aarch64+64k", "--arch", "aarch64+64k")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.posts) != 1 {
		t.Fatalf("%d requests", len(f.posts))
	}
	p := f.posts[0]
	if p.Distribution != "rhcos" || p.DistroVersion != "4.13" || p.KernelVersion != "5.14.0-284.40.1.el9_2.aarch64+64k" || p.Architecture != "aarch64+64k" || p.UnameV != "" {
		t.Errorf("sent %+v, want rhcos 4.13 aarch64+64k without uname -v", p)
	}
}
