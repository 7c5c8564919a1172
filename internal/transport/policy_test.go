package transport

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url           string
		allowLoopback bool
		want          string // "" = allowed
	}{
		{url: "https://cdn.amazonlinux.com/al2023/core/guids/x/x86_64/"},
		{url: "http://10.0.0.5/mirror/"}, // a private mirror is a mirror
		{url: "http://169.254.169.254/latest/meta-data/", want: "cloud metadata"},
		{url: "http://[fd00:ec2::254]/", want: "cloud metadata"},
		{url: "http://100.100.100.200/latest/meta-data/", want: "cloud metadata"},
		{url: "http://169.254.10.10/", want: "link-local"},
		{url: "http://[::ffff:169.254.169.254]/", want: "cloud metadata"},
		{url: "http://127.0.0.1:8080/", want: "loopback"},
		{url: "http://localhost/", want: "loopback"},
		{url: "http://127.0.0.1:8080/", allowLoopback: true},
		{url: "http://224.0.0.1/", want: "multicast"},
		{url: "http://0.1.2.3/", want: "this-network"},
	}
	for _, tt := range tests {
		err := CheckURL(tt.url, tt.allowLoopback)
		if tt.want == "" {
			if err != nil {
				t.Errorf("CheckURL(%s) = %v, want nil", tt.url, err)
			}
			continue
		}
		var he *HostError
		if !errors.As(err, &he) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.url) {
			t.Errorf("CheckURL(%s) = %v, want a *HostError naming it, saying %q", tt.url, err, tt.want)
		}
	}
}

func TestHosts(t *testing.T) {
	h := NewHosts("http://Mirror.example:8080/repo/", "https://cdn.example/x")
	for _, u := range []string{"https://mirror.example/other", "http://cdn.example:81/"} {
		if !h.Allows(u) {
			t.Errorf("%s refused", u)
		}
	}
	err := h.Check("http://elsewhere.example/k.rpm")
	var he *HostError
	if !errors.As(err, &he) || he.Host != "elsewhere.example" || !strings.Contains(err.Error(), "cdn.example, mirror.example") {
		t.Errorf("Check = %v", err)
	}
}
