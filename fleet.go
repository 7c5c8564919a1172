package matrixgen

import (
	"regexp"
	"strings"
)

// Version rules of the cloud fleets' rpm-md distributions (issue 15): Azure
// Linux, Photon OS, openSUSE Leap / SLES and Alibaba Cloud Linux. The table
// entries (distros.go) name these functions; the format facts are in
// crawlers/FLEET-TABLE.md, with real strings from shared/data/fleet-os.

var (
	// Azure Linux and CBL-Mariner: uname -r is %{version}-%{release}, a
	// four-part version and no arch (6.6.145.2-1.azl3; kernel.spec's uname_r).
	reAzure = regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+-\d+(?:\.\d+)*\.(azl|cm)(\d+)$`)
	// Photon: %{version}-%{release}, then -<flavor> for every flavor but the
	// generic kernel (5.10.83-6.ph4-esx, 6.1.10-11.ph5).
	rePhoton = regexp.MustCompile(`^\d+\.\d+\.\d+-\d+(?:\.\d+)*\.ph(\d+)(?:-(esx|rt|aws|secure))?$`)
	// SUSE: the package release without its rebuild counter, then -<flavor>;
	// the release's first field is the code stream, 150600 = SLE 15 SP6
	// (6.4.0-150600.23.25-default).
	reSUSE = regexp.MustCompile(`^\d+\.\d+\.\d+-(15)0(\d)00(?:\.\d+)+-(default|azure|rt|64kb)$`)
	// Alibaba Cloud Linux: Red Hat style, its platform's dist tag (al8 =
	// Alibaba Cloud Linux 3) then the arch (5.10.134-16.1.al8.x86_64).
	reAlinux = regexp.MustCompile(`\.al(\d+)(?:\.|$)`)

	// The markers' families, so that one distribution's release under
	// another's target is refused as a contradiction (family()).
	reAzureAny    = regexp.MustCompile(`\.(?:azl|cm)\d+$`)
	rePhotonAny   = regexp.MustCompile(`\.ph\d+(?:-[a-z]+)?$`)
	rePhotonFalco = regexp.MustCompile(`\.ph\d+\.(?:x86_64|aarch64)$`)
	reSUSEAny     = regexp.MustCompile(`-150\d00(?:\.\d+)+-(?:default|azure|rt|64kb)$`)
)

// alinuxVersions maps the RHEL platform an Alibaba Cloud Linux release
// follows (its .alN dist tag) to the release's own number.
var alinuxVersions = map[string]string{"7": "2", "8": "3"}

func deriveAzureLinux(_ *Distro, in Input, d Derivation, r refusals) (Derivation, error) {
	m := reAzure.FindStringSubmatch(in.Release)
	if m == nil {
		return r.noMarker("not an Azure Linux release: want version-release with a four-part version and its .azlN (CBL-Mariner .cmN) tag, as 6.6.145.2-1.azl3")
	}
	if m[1] == "cm" {
		return answer(d, m[2]+".0", "azurelinux .cmN (CBL-Mariner)")
	}
	return answer(d, m[2]+".0", "azurelinux .azlN")
}

var (
	photonRule = markerRule(rePhoton, "photon .phN",
		"not a Photon OS release: want version-release with its .phN tag, then the flavor if not generic (5.10.83-6.ph4-esx, 6.1.10-11.ph5)",
		func(m []string) string { return m[1] + ".0" })
	deriveSUSE = markerRule(reSUSE, "opensuse code stream 1N0M00 (SLE N SP M)",
		"no SLE code stream: a Leap/SLES kernel release is version-<code stream>.<build>-<flavor> (6.4.0-150600.23.25-default; 150600 is 15 SP6); Tumbleweed's have none",
		func(m []string) string { return m[1] + "." + m[2] })
)

func derivePhoton(dist *Distro, in Input, d Derivation, r refusals) (Derivation, error) {
	if rePhotonFalco.MatchString(in.Release) { // never a rePhoton match: that ends in the release or its flavor
		// Falco's 2022 crawl wrote 4.19.15-2.ph3.x86_64: a package's
		// version-release.arch, which no Photon kernel prints as uname -r.
		return r.noMarker("Falco's spelling, version-release.arch: Photon's uname -r is version-release[-flavor], without the arch")
	}
	return photonRule(dist, in, d, r)
}

func deriveAlinux(_ *Distro, in Input, d Derivation, r refusals) (Derivation, error) {
	m := reAlinux.FindStringSubmatch(in.Release)
	if m == nil {
		return r.noMarker("no .alN marker: every Alibaba Cloud Linux kernel release carries one (5.10.134-16.1.al8.x86_64)")
	}
	v, ok := alinuxVersions[m[1]]
	if !ok {
		return r.refuse(".al%s names no Alibaba Cloud Linux release", m[1])
	}
	return answer(d, v, "alinux .alN (al8 → 3)")
}

// dotZero: Azure Linux and Photon write versions N.0; a target's digits
// ("photon5") name the same.
func dotZero(v string) string {
	if allDigits(v) && v != "" {
		return v + ".0"
	}
	return v
}

// photonFlavor: "5.10.83-6.ph4-esx" → "esx"; the generic kernel has none.
func photonFlavor(release string) string {
	if m := rePhoton.FindStringSubmatch(release); m != nil {
		return m[2]
	}
	return ""
}

// suseFlavor: "6.4.0-150600.23.25-default" → "default".
func suseFlavor(release string) string {
	if i := strings.LastIndexByte(release, '-'); i > 0 && reSUSE.MatchString(release) {
		return release[i+1:]
	}
	return ""
}

// suseReleaseArch: only the -64kb flavor names an arch (aarch64's 64 KiB
// pages; built in the aarch64 repositories, not as aarch64+64k, whose
// releases end in +64k).
func suseReleaseArch(release string) (Arch, string, bool) {
	if strings.HasSuffix(release, "-64kb") {
		return AArch64, "-64kb", true
	}
	return "", "", false
}
