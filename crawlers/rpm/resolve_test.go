package rpm

import "testing"

func TestResolve(t *testing.T) {
	tests := []struct {
		base, xmlBase, href, want string
	}{
		{"https://m/pub/fedora/linux/releases/42/Everything/x86_64/os/", "", "Packages/k/kernel-devel-6.14.0-63.fc42.x86_64.rpm",
			"https://m/pub/fedora/linux/releases/42/Everything/x86_64/os/Packages/k/kernel-devel-6.14.0-63.fc42.x86_64.rpm"},
		// AL2023, as dnf download --url prints it (FORMATS.md § Amazon Linux).
		{"https://cdn.example/al2023/core/guids/6fa9/x86_64/", "", "../../../../blobstore/ab12/kernel-devel-6.1.153-175.280.amzn2023.x86_64.rpm",
			"https://cdn.example/al2023/blobstore/ab12/kernel-devel-6.1.153-175.280.amzn2023.x86_64.rpm"},
		// AL2: five levels, and a doubled slash seen in a real listing.
		{"https://cdn.example/2/core/2.0/x86_64/109d/", "", ".//../../../../../blobstore/cd34/kernel-devel-4.14.355-275.570.amzn2.x86_64.rpm",
			"https://cdn.example/blobstore/cd34/kernel-devel-4.14.355-275.570.amzn2.x86_64.rpm"},
		// Koji's xml:base: a directory without its trailing slash.
		{"https://m/repo/", "https://koji.example/toplink/packages/audit/2.7.7/5.fc27/x86_64", "audit-libs-2.7.7-5.fc27.x86_64.rpm",
			"https://koji.example/toplink/packages/audit/2.7.7/5.fc27/x86_64/audit-libs-2.7.7-5.fc27.x86_64.rpm"},
		{"https://m/repo/", "https://koji.example/dir/", "a.rpm", "https://koji.example/dir/a.rpm"},
		{"https://yum.example/repo/OracleLinux/OL9/UEKR7/x86_64/", "", "getPackage/kernel-uek-devel-5.15.0-208.159.3.2.el9uek.x86_64.rpm",
			"https://yum.example/repo/OracleLinux/OL9/UEKR7/x86_64/getPackage/kernel-uek-devel-5.15.0-208.159.3.2.el9uek.x86_64.rpm"},
		{"https://m/repo/", "", "https://other.example/p.rpm", "https://other.example/p.rpm"},
		{"/not/absolute/", "", "p.rpm", ""},
		{"https://m/repo/", "file:///etc", "passwd", ""},
		{"https://m/repo/", "", "file:///etc/passwd", ""},
	}
	for _, tt := range tests {
		got, err := resolve(tt.base, tt.xmlBase, tt.href)
		if tt.want == "" {
			if err == nil {
				t.Errorf("resolve(%q, %q, %q) = %q, want an error", tt.base, tt.xmlBase, tt.href, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("resolve(%q, %q, %q) = %q, %v; want %q", tt.base, tt.xmlBase, tt.href, got, err, tt.want)
		}
	}
}
