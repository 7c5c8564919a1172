package matrixgen

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// This file is the distribution table: everything matrixgen knows about a
// distribution, read by every other part of the program (derivation, the
// consistency rule, ParseTarget, the crawler configurations, matrix's base
// images, request-build's os-release mapping, --help and `matrixgen
// distros`). Nothing else switches on a distribution's name; the guard test
// (internal/guard) enforces it. Adding a distribution is one entry here and,
// if it is crawled, one configuration file in crawlers/.

// Distribution names used in kernels.json and the matrix.
const (
	Ubuntu      = "ubuntu"
	Debian      = "debian"
	Fedora      = "fedora"
	CentOS      = "centos"
	AmazonLinux = "amazonlinux"
	Rocky       = "rocky"
	AlmaLinux   = "almalinux"
	Oracle      = "oracle"
	RHEL        = "rhel"
)

// Names of the fleet distributions of issue 15 (node OSes of cloud platforms).
const (
	Flatcar = "flatcar"
)

// The cloud fleets' rpm-md distributions (issue 15).
const (
	AzureLinux = "azurelinux" // Azure Linux 3.0 and CBL-Mariner 2.0
	Photon     = "photon"     // VMware Photon OS
	OpenSUSE   = "opensuse"   // openSUSE Leap and the SLES service packs it derives
	Alinux     = "alinux"     // Alibaba Cloud Linux
)

// Distro is one distribution matrixgen builds for.
type Distro struct {
	// Name is the distribution as kernels.json and the matrix write it.
	Name string
	// Title is the name people write ("Amazon Linux"), for messages.
	Title string
	// Aliases are other target spellings naming it without a version:
	// os-release IDs, Falco keys and the 2022 kernel-crawler's class names
	// (matched case-insensitively).
	Aliases []string
	// Versioned are the prefixes a target may follow with a version
	// ("amazonlinux2023", "ol8", "Oracle7"): the digits are the version.
	Versioned []string
	// Flavored says targets may be written <name>-<flavor> ("ubuntu-gcp"),
	// as Falco writes Ubuntu's, and that every release ends in its flavor.
	Flavored bool
	// OSReleaseIDs are the os-release(5) IDs of its hosts.
	OSReleaseIDs []string
	// Marker is the release-string marker family every kernel of it
	// carries ("fc", "el", "amzn", "deb"; "" = none, Ubuntu).
	Marker string
	// MarkerRequired says every kernel release carries its version marker,
	// so a release without one is another distribution's.
	MarkerRequired bool
	// VersionRule says, for people, how a version is derived.
	VersionRule string
	// Releases are the releases known by name, oldest first (Ubuntu,
	// Debian: codename, version, kernel series).
	Releases []Release
	// Versions are the versions known by number when there is no
	// Releases table, oldest first.
	Versions []string
	// Arches are the build arches it ships kernels for.
	Arches []Arch
	// PackageFormat is the package format of its kernels: "deb" or "rpm"
	// (artifact package names, release-string shapes).
	PackageFormat string
	// HeaderPackages are the packages a build installs, with {release}.
	HeaderPackages []string
	// SeriesHeaders, when set, is a per-series headers package name with
	// {series} ("kernel6.12-devel": Amazon Linux's newer kernels).
	SeriesHeaders string
	// UnameV says uname -v carries what the version rule reads (Ubuntu's
	// upload, "#41~22.04.1-Ubuntu SMP ..."), so request-build sends it.
	UnameV bool
	// Image is the default build image, with {version} for the version.
	Image string
	// CrawlVersions are the versions the crawler reads by default when
	// there is no Releases table ("8", "9", "10"; "stream9").
	CrawlVersions []string
	// Crawl lists the crawler configurations (crawl --distro names) that
	// crawl it, nil when it is not crawled.
	Crawl []string
	// Mirrors are its --mirror keys with their default base URLs.
	Mirrors []Mirror
	// KojiHubs are the --mirror keys of the Koji hubs that built it.
	KojiHubs []string
	// Images are per-version images where Image's template does not fit
	// (CBL-Mariner 2.0 is under another registry path than Azure Linux 3.0).
	Images map[string]string
	// VersionlessIDs are os-release IDs whose VERSION_ID is not the
	// distribution's version (SLE Micro 5.5 boots SLES 15 SP5's kernel):
	// request-build sends no version for them and the release decides.
	VersionlessIDs []string

	derive     deriveFunc                             // the version rule
	valid      func(d *Distro, version string) string // "" or why version is no release
	norm       func(version string) string            // os-release VERSION_ID / target digits → version
	arch       func(release string) (Arch, string, bool)
	flavor     func(release string) string
	falco      func(flavor, version string) string // Falco's target; nil = Name
	ships      func(d *Distro, version, release, upload string) error
	weakUpload bool // a plain upload derives a GA release but is no evidence against another (Ubuntu HWE)

	versionIdx, seriesIdx map[string]int // index in Releases, built at init

	// RHEL and RHCOS (issue 16): the GPU Operator's OS_TAG and os-release.
	osTagMinor bool     // OSTag names the release's .elN_M minor (RHEL: rhel9.4), as the host's VERSION_ID does
	osVersion  []string // os-release keys holding the version, first present wins; nil = VERSION_ID
}

// Release is one named release of a distribution.
type Release struct {
	Codename, Version string
	// Series is the kernel series it ships as its own (Ubuntu's GA kernel,
	// Debian's one series); "" when not known yet.
	Series string
	LTS    bool
	// OEM are kernel series an Ubuntu LTS shipped that are no release's GA
	// series (linux-oem-5.14 in focal).
	OEM []string
	// Crawled says the crawler reads it by default, on CrawlArches.
	Crawled     bool
	CrawlArches []Arch
}

// Mirror is a --mirror key and its default base URL.
type Mirror struct{ Key, URL string }

var (
	two     = []Arch{X86_64, AArch64}
	three   = []Arch{X86_64, AArch64, RISCV64}
	rpmArch = []Arch{X86_64, AArch64, AArch64_64k}
)

// distros is the table; init sorts it by name.
var distros = []Distro{
	{
		Name: AlmaLinux, Title: "AlmaLinux", Aliases: []string{"alma"}, Versioned: []string{"almalinux"},
		OSReleaseIDs: []string{"almalinux"}, Marker: "el", MarkerRequired: true,
		VersionRule: ".elN, .elN_M → N", Versions: []string{"8", "9", "10"}, Arches: rpmArch,
		PackageFormat: "rpm", HeaderPackages: []string{"kernel-devel-{release}"}, Image: "almalinux:{version}",
		CrawlVersions: []string{"8", "9", "10"},
		Crawl:         []string{"almalinux"},
		Mirrors:       []Mirror{{"almalinux", "https://repo.almalinux.org/almalinux"}, {"almalinux-vault", "https://vault.almalinux.org"}},
		derive:        deriveEL, valid: validNumber, norm: major, arch: rpmReleaseArch,
	},
	{
		Name: AmazonLinux, Title: "Amazon Linux", Aliases: []string{"amzn", "amazon"}, Versioned: []string{"amazonlinux"},
		OSReleaseIDs: []string{"amzn"}, Marker: "amzn", MarkerRequired: true,
		VersionRule: ".amznN → N (the release's marker; a target's version must agree)",
		Versions:    []string{"1", "2", "2022", "2023"}, Arches: two,
		PackageFormat: "rpm", HeaderPackages: []string{"kernel-devel-{release}"}, SeriesHeaders: "kernel{series}-devel", Image: "amazonlinux:{version}",
		Crawl: []string{"amazonlinux2", "amazonlinux2023"},
		Mirrors: []Mirror{
			{"amazonlinux2", "http://amazonlinux.us-east-1.amazonaws.com/2"},
			{"amazonlinux2023", "https://cdn.amazonlinux.com/al2023/core"},
			{"al2023-livepatch", "https://cdn.amazonlinux.com/al2023/kernel-livepatch"},
		},
		derive: deriveAmazon, valid: validListed, norm: identity, arch: rpmReleaseArch,
		falco: func(_, v string) string {
			if v == "1" || v == "" {
				return AmazonLinux // Falco's name for Amazon Linux 1
			}
			return AmazonLinux + v
		},
	},
	{
		Name: CentOS, Title: "CentOS", Aliases: []string{"centos-stream", "centosstream"}, Versioned: []string{"centos"},
		OSReleaseIDs: []string{"centos"}, Marker: "el", MarkerRequired: true,
		VersionRule: ".elN → N up to 8, streamN from 9", Versions: []string{"7", "8", "stream9", "stream10"}, Arches: rpmArch,
		PackageFormat: "rpm", HeaderPackages: []string{"kernel-devel-{release}"}, Image: "quay.io/centos/centos:{version}",
		CrawlVersions: []string{"stream9", "stream10"},
		Crawl:         []string{"centos"},
		Mirrors:       []Mirror{{"centos-stream", "https://mirror.stream.centos.org"}},
		KojiHubs:      []string{"koji-stream", "koji-cbs"},
		derive:        deriveCentOS, valid: validCentOS, norm: centosVersion, arch: rpmReleaseArch,
	},
	{
		Name: Debian, Title: "Debian", Versioned: []string{"debian"}, OSReleaseIDs: []string{"debian"}, Marker: "deb",
		VersionRule: "+debNN, -0.debNN.M-, ~bpoNN+, ~debNNuM; plain ABIs by the release's kernel series; +bpo ABIs are backports to the release before",
		Releases: []Release{
			{Codename: "jessie", Version: "8", Series: "3.16"}, {Codename: "stretch", Version: "9", Series: "4.9"},
			{Codename: "buster", Version: "10", Series: "4.19"}, {Codename: "bullseye", Version: "11", Series: "5.10"},
			{Codename: "bookworm", Version: "12", Series: "6.1", Crawled: true, CrawlArches: two},
			// riscv64 is an official arch from trixie on.
			{Codename: "trixie", Version: "13", Series: "6.12", Crawled: true, CrawlArches: three},
			{Codename: "forky", Version: "14", Crawled: true, CrawlArches: three}, // testing
			{Codename: "duke", Version: "15"},
		},
		Arches:        three,
		PackageFormat: "deb", HeaderPackages: []string{"linux-headers-{release}"}, Image: "debian:{version}",
		Crawl: []string{"debian"},
		Mirrors: []Mirror{
			{"debian", "https://mirrors.edge.kernel.org/debian"},
			{"debian-security", "https://security.debian.org/debian-security"},
		},
		derive: deriveDebian, valid: validByTable, norm: major, arch: debReleaseArch, flavor: debianFlavor,
		ships: debianShips,
	},
	{
		Name: Fedora, Title: "Fedora", Versioned: []string{"fedora"}, OSReleaseIDs: []string{"fedora"}, Marker: "fc", MarkerRequired: true,
		VersionRule: ".fcNN → NN (any release; the crawler reads the newest three its mirror lists)", Arches: rpmArch,
		PackageFormat: "rpm", HeaderPackages: []string{"kernel-devel-{release}"}, Image: "fedora:{version}",
		// fedora-coreos: the kernels Fedora CoreOS streams boot, listed
		// under Fedora with their stream and build (OriginFedoraCoreOS).
		Crawl: []string{"fedora", "fedora-coreos"},
		Mirrors: []Mirror{
			{"fedora", "https://dl.fedoraproject.org/pub/fedora/linux"},
			{"fedora-archive", "https://archives.fedoraproject.org/pub/archive/fedora/linux"},
			{"fedora-coreos", "https://builds.coreos.fedoraproject.org"},
		},
		KojiHubs: []string{"koji-fedora"},
		derive:   deriveFedora, valid: validNumber, norm: identity, arch: rpmReleaseArch,
	},
	{
		Name: Oracle, Title: "Oracle Linux", Aliases: []string{"ol", "oraclelinux"}, Versioned: []string{"oraclelinux", "oracle", "ol"},
		OSReleaseIDs: []string{"ol"}, Marker: "el", MarkerRequired: true,
		VersionRule: ".elN, .elN_M, .elNuek → N", Versions: []string{"8", "9", "10"}, Arches: rpmArch,
		PackageFormat: "rpm", HeaderPackages: []string{"kernel-devel-{release}", "kernel-uek-devel-{release}"}, Image: "oraclelinux:{version}",
		CrawlVersions: []string{"8", "9", "10"},
		Crawl:         []string{"oracle"},
		Mirrors:       []Mirror{{"oracle", "https://yum.oracle.com/repo/OracleLinux"}},
		derive:        deriveEL, valid: validNumber, norm: major, arch: rpmReleaseArch,
		falco: func(string, string) string { return "ol" },
	},
	{
		Name: RHEL, Title: "RHEL", Aliases: []string{"redhat", "rhel-server", "redhatenterpriseserver"}, Versioned: []string{"rhel", "redhat"},
		OSReleaseIDs: []string{"rhel"}, Marker: "el", MarkerRequired: true,
		VersionRule: ".elN, .elN_M → N", Versions: []string{"8", "9", "10"}, Arches: rpmArch,
		PackageFormat: "rpm", HeaderPackages: []string{"kernel-devel-{release}"},
		// Red Hat's Universal Base Image: RHEL's own userland, freely pullable.
		Image:  "registry.access.redhat.com/ubi{version}/ubi:latest",
		derive: deriveEL, valid: validNumber, norm: major, arch: rpmReleaseArch,
		osTagMinor: true, // the GPU Operator's OS_TAG on RHEL is rhel<VERSION_ID>, rhel9.4
	},
	{
		Name: Rocky, Title: "Rocky Linux", Aliases: []string{"rockylinux"}, Versioned: []string{"rocky"},
		OSReleaseIDs: []string{"rocky"}, Marker: "el", MarkerRequired: true,
		VersionRule: ".elN, .elN_M → N", Versions: []string{"8", "9", "10"}, Arches: rpmArch,
		PackageFormat: "rpm", HeaderPackages: []string{"kernel-devel-{release}"}, Image: "rockylinux/rockylinux:{version}",
		CrawlVersions: []string{"8", "9", "10"},
		Crawl:         []string{"rocky"},
		Mirrors:       []Mirror{{"rocky", "https://dl.rockylinux.org/pub/rocky"}, {"rocky-vault", "https://dl.rockylinux.org/vault/rocky"}},
		derive:        deriveEL, valid: validNumber, norm: major, arch: rpmReleaseArch,
	},
	{
		Name: Ubuntu, Title: "Ubuntu", Flavored: true, UnameV: true, OSReleaseIDs: []string{"ubuntu"},
		VersionRule: "the suite (noble → 24.04), a ~YY.MM upload, or the release whose GA series it is; a release ships its GA series and, if an LTS, later GA series up to the next LTS",
		Releases: []Release{
			{Codename: "trusty", Version: "14.04", Series: "3.13", LTS: true}, {Codename: "utopic", Version: "14.10", Series: "3.16"},
			{Codename: "vivid", Version: "15.04", Series: "3.19"}, {Codename: "wily", Version: "15.10", Series: "4.2"},
			{Codename: "xenial", Version: "16.04", Series: "4.4", LTS: true}, {Codename: "yakkety", Version: "16.10", Series: "4.8"},
			{Codename: "zesty", Version: "17.04", Series: "4.10"}, {Codename: "artful", Version: "17.10", Series: "4.13"},
			// OEM: the kernel series an LTS shipped that are no release's GA
			// series (linux-oem-5.6, -5.10, -5.14 in focal; -5.17, -6.0, -6.1
			// in jammy). Derivation refuses them (a plain upload names no
			// release); the consistency rule accepts them in their release.
			{Codename: "bionic", Version: "18.04", Series: "4.15", LTS: true, OEM: []string{"5.0"}}, {Codename: "cosmic", Version: "18.10", Series: "4.18"},
			{Codename: "disco", Version: "19.04", Series: "5.0"}, {Codename: "eoan", Version: "19.10", Series: "5.3"},
			{Codename: "focal", Version: "20.04", Series: "5.4", LTS: true, OEM: []string{"5.6", "5.10", "5.14"}}, {Codename: "groovy", Version: "20.10", Series: "5.8"},
			{Codename: "hirsute", Version: "21.04", Series: "5.11"}, {Codename: "impish", Version: "21.10", Series: "5.13"},
			{Codename: "jammy", Version: "22.04", Series: "5.15", LTS: true, OEM: []string{"5.17", "6.0", "6.1"}, Crawled: true, CrawlArches: three},
			{Codename: "kinetic", Version: "22.10", Series: "5.19"},
			{Codename: "lunar", Version: "23.04", Series: "6.2"}, {Codename: "mantic", Version: "23.10", Series: "6.5"},
			{Codename: "noble", Version: "24.04", Series: "6.8", LTS: true, Crawled: true, CrawlArches: three}, {Codename: "oracular", Version: "24.10", Series: "6.11"},
			{Codename: "plucky", Version: "25.04", Series: "6.14"},
			{Codename: "questing", Version: "25.10", Series: "6.17", Crawled: true, CrawlArches: three},
			// 26.04's 7.0 already ships in noble-security as HWE.
			{Codename: "resolute", Version: "26.04", Series: "7.0", LTS: true, Crawled: true, CrawlArches: three},
		},
		Arches:        three,
		PackageFormat: "deb", HeaderPackages: []string{"linux-headers-{release}"}, Image: "ubuntu:{version}",
		Crawl: []string{"ubuntu"},
		Mirrors: []Mirror{
			{"ubuntu", "http://archive.ubuntu.com/ubuntu"},
			{"ubuntu-security", "http://security.ubuntu.com/ubuntu"},
			{"ubuntu-ports", "http://ports.ubuntu.com/ubuntu-ports"},
		},
		derive: deriveUbuntu, valid: validByTable, norm: identity, arch: ubuntuReleaseArch, flavor: ubuntuFlavor,
		ships: ubuntuShipsRelease, weakUpload: true,
		falco: func(f, _ string) string {
			if f == "" {
				f = "generic"
			}
			return Ubuntu + "-" + f
		},
	},
	// Flatcar: its version is the Flatcar release (4593.2.0), which the
	// release string (6.12.102-flatcar) does not name: one kernel ships in
	// several releases. A crawl gives it from the channel's release list,
	// request-build from os-release's VERSION_ID.
	{
		Name: Flatcar, Title: "Flatcar", Aliases: []string{"flatcar-container-linux"}, OSReleaseIDs: []string{"flatcar"},
		Marker:      "flatcar",
		VersionRule: "not in the release (<x.y.z>-flatcar): the Flatcar release BUILD.BRANCH.PATCH (4593.2.0), from the crawl's release list or os-release's VERSION_ID",
		Arches:      two,
		// The headers are in the release's developer container (the crawl
		// lists its URL as the kernel's header source), where the kernel's
		// sources are installed with emerge-gitclone && emerge -gKq coreos-sources.
		HeaderPackages: []string{"sys-kernel/coreos-sources"},
		// The developer container is a bzip2'd disk image, not an OCI
		// image: the build imports it under this name (docker import).
		Image:   "flatcar-developer:{version}",
		Crawl:   []string{"flatcar"},
		Mirrors: []Mirror{{"flatcar", "https://www.flatcar.org/releases-json"}},
		derive:  deriveFlatcar, valid: validFlatcar, norm: identity, ships: flatcarShips,
	},
	// The cloud fleets' rpm-md distributions (issue 15): version rules in
	// fleet.go, crawl configurations in crawlers/distros.
	{
		Name: AzureLinux, Title: "Azure Linux", Aliases: []string{"cbl-mariner", "azl"}, Versioned: []string{"azurelinux", "mariner"},
		OSReleaseIDs: []string{"azurelinux", "mariner"}, Marker: "azl", MarkerRequired: true,
		VersionRule: ".azlN → N.0, CBL-Mariner's .cmN → N.0 (uname -r is version-release: four-part version, no arch)",
		Versions:    []string{"2.0", "3.0"}, Arches: two,
		PackageFormat: "rpm", HeaderPackages: []string{"kernel-devel-{release}", "kernel-hwe-devel-{release}"},
		Image:         "mcr.microsoft.com/azurelinux/base/core:{version}",
		Images:        map[string]string{"2.0": "mcr.microsoft.com/cbl-mariner/base/core:2.0"},
		CrawlVersions: []string{"3.0", "2.0"},
		Crawl:         []string{"azurelinux"},
		Mirrors: []Mirror{
			{"azurelinux", "https://packages.microsoft.com/azurelinux"},
			{"cbl-mariner", "https://packages.microsoft.com/cbl-mariner"},
		},
		derive: deriveAzureLinux, valid: validListed, norm: dotZero,
	},
	{
		Name: Photon, Title: "Photon OS", Aliases: []string{"photonos", "photon-os"}, Versioned: []string{"photon"},
		OSReleaseIDs: []string{"photon"}, Marker: "ph", MarkerRequired: true,
		VersionRule: ".phN → N.0; flavors -esx, -rt, -aws, -secure end the release, each its own kernel",
		Versions:    []string{"4.0", "5.0"}, Arches: two,
		PackageFormat: "rpm", HeaderPackages: []string{"linux-devel-{release}", "linux-{flavor}-devel (a -{flavor} release without its suffix)"},
		Image:         "photon:{version}",
		CrawlVersions: []string{"5.0", "4.0"},
		Crawl:         []string{"photon"},
		Mirrors:       []Mirror{{"photon", "https://packages.vmware.com/photon"}},
		derive:        derivePhoton, valid: validListed, norm: dotZero, flavor: photonFlavor,
	},
	{
		Name: OpenSUSE, Title: "openSUSE Leap / SLES", Aliases: []string{"leap", "suse", "sle", "sled"},
		OSReleaseIDs: []string{"opensuse-leap", "sles", "sle-micro"}, VersionlessIDs: []string{"sle-micro"},
		Marker: "sle", MarkerRequired: true,
		VersionRule: "the code stream -150M00. → 15.M (15 SP M); the release ends in its flavor (-default, -azure, -rt, -64kb)",
		Versions:    []string{"15.5", "15.6"}, Arches: two,
		PackageFormat: "rpm", HeaderPackages: []string{"kernel-{flavor}-devel", "kernel-devel"},
		Image:         "opensuse/leap:{version}",
		CrawlVersions: []string{"15.6", "15.5"},
		Crawl:         []string{"opensuse"},
		Mirrors:       []Mirror{{"opensuse", "https://download.opensuse.org"}},
		derive:        deriveSUSE, valid: validListed, norm: identity, arch: suseReleaseArch, flavor: suseFlavor,
	},
	{
		Name: Alinux, Title: "Alibaba Cloud Linux", Aliases: []string{"alibaba-cloud-linux", "aliyun"}, Versioned: []string{"alinux"},
		OSReleaseIDs: []string{"alinux"}, Marker: "al", MarkerRequired: true,
		VersionRule: ".alN names the RHEL platform it follows: .al8 → 3 (.al7, Alibaba Cloud Linux 2, is not built for)",
		Versions:    []string{"3"}, Arches: two,
		PackageFormat: "rpm", HeaderPackages: []string{"kernel-devel-{release}"},
		Image:         "alibaba-cloud-linux-{version}-registry.cn-hangzhou.cr.aliyuncs.com/alinux{version}/alinux{version}:latest",
		CrawlVersions: []string{"3"},
		Crawl:         []string{"alinux"},
		Mirrors:       []Mirror{{"alinux", "https://mirrors.aliyun.com/alinux"}},
		derive:        deriveAlinux, valid: validListed, norm: major, arch: rpmReleaseArch,
	},
	// RHCOS (issue 16): Red Hat Enterprise Linux CoreOS, the OpenShift node
	// OS. Versions are OpenShift minors; its kernels are RHEL's and build in
	// the release's Driver Toolkit image (the crawl's build_image).
	{
		Name: RHCOS, Title: "RHCOS",
		OSReleaseIDs: []string{"rhcos"}, Marker: "el",
		VersionRule: "the OpenShift minor (4.15), never the release alone (el9_2 ships in 4.13, 4.14 and 4.15); the release's .elN_M must be the minor's RHEL",
		Versions:    openshiftMinors(), Arches: rpmArch,
		// No header packages and no default image: a kernel builds in its
		// build_image, the release's Driver Toolkit, which has them.
		PackageFormat: "rpm",
		CrawlVersions: openshiftMinors(),
		Crawl:         []string{"rhcos"},
		Mirrors: []Mirror{
			{"openshift", "https://mirror.openshift.com/pub/openshift-v4"},
			{"openshift-graph", "https://api.openshift.com/api/upgrades_info"},
		},
		derive: deriveRHCOS, valid: validOpenShiftMinor, norm: openshiftMinor, arch: rpmReleaseArch, ships: rhcosShips,
		// RHCOS sets both; OPENSHIFT_VERSION is the minor whatever
		// VERSION_ID's scheme (NFD labels OPENSHIFT_VERSION=4.17).
		osVersion: []string{"OPENSHIFT_VERSION", "VERSION_ID"},
	},
}

// unsupported are distributions users bring from Falco and NVIDIA tooling
// that matrixgen knows but does not build for, each with the reason.
var unsupported = map[string]string{
	"tumbleweed":   "openSUSE Tumbleweed is rolling: its kernel releases (5.15.5-1-default) name no code stream, so no distro version to build in",
	"bottlerocket": "Bottlerocket modules are built with the variant's kernel kit (kmod-kit), not in a distro container: a later step",
	"cos":          "Google Container-Optimized OS modules are built against the kernel-headers tarball COS publishes per build, not in a distro container: a later step",
	"talos":        "Talos loads modules only as system extensions built with its own toolchain",
	"arch":         "Arch Linux is rolling: a kernel has no distro version to build in",
	"minikube":     "minikube's kernel is built with its ISO, not in a distro container",
}

// unsupportedAliases maps spellings seen in Falco output to the names above.
var unsupportedAliases = map[string]string{
	"opensuse-tumbleweed": "tumbleweed", "opensuse-microos": "tumbleweed",
	"archlinux":              "arch",
	"container-optimized-os": "cos",
}

// Indexes over the table, built once: every lookup on the hot path (Make
// runs once per kernel read) is a map access, never a scan of the table.
var (
	byName     = map[string]*Distro{} // canonical names
	byTarget   = map[string]Target{}  // names and aliases, lowercase
	byOSID     = map[string]*Distro{}
	versioned  []versionedPrefix
	bySuite    = map[string]suiteRel{} // codename → its distribution's release
	imageParts = map[string][]string{} // Image split at each {version}
	names      []string
)

type versionedPrefix struct {
	prefix string
	d      *Distro
}

type suiteRel struct {
	d *Distro
	i int // index in d.Releases
}

func init() {
	// Entries are kept in name order whatever order they are written in.
	slices.SortStableFunc(distros, func(a, b Distro) int { return strings.Compare(a.Name, b.Name) })
	for i := range distros {
		d := &distros[i]
		names = append(names, d.Name)
		byName[d.Name] = d
		byTarget[d.Name] = Target{Distribution: d.Name, distro: d}
		for _, a := range d.Aliases {
			byTarget[a] = Target{Distribution: d.Name, distro: d}
		}
		for _, id := range d.OSReleaseIDs {
			byOSID[id] = d
			byTarget[id] = Target{Distribution: d.Name, distro: d}
		}
		for _, p := range d.Versioned {
			versioned = append(versioned, versionedPrefix{p, d})
		}
		d.versionIdx, d.seriesIdx = map[string]int{}, map[string]int{}
		for j, r := range d.Releases {
			bySuite[r.Codename] = suiteRel{d, j}
			d.versionIdx[r.Version] = j
			if r.Series != "" {
				d.seriesIdx[r.Series] = j
			}
		}
		imageParts[d.Name] = strings.Split(d.Image, "{version}")
	}
}

// Distros is the table, in name order: fresh values, so callers may change them.
func Distros() []Distro {
	out := make([]Distro, len(distros))
	for i := range distros {
		out[i] = distros[i].clone()
	}
	return out
}

// Lookup is the table entry of a distribution by its canonical name: a
// fresh value, as Distros'.
func Lookup(name string) (*Distro, bool) {
	d, ok := byName[name]
	if !ok {
		return nil, false
	}
	c := d.clone()
	return &c, true
}

// clone is d with copies of every slice and map a caller could change
// (the unexported indexes are read-only).
func (d *Distro) clone() Distro {
	c := *d
	c.Aliases, c.Versioned, c.OSReleaseIDs = slices.Clone(d.Aliases), slices.Clone(d.Versioned), slices.Clone(d.OSReleaseIDs)
	c.Versions, c.Arches, c.HeaderPackages = slices.Clone(d.Versions), slices.Clone(d.Arches), slices.Clone(d.HeaderPackages)
	c.CrawlVersions, c.Crawl, c.Mirrors, c.KojiHubs = slices.Clone(d.CrawlVersions), slices.Clone(d.Crawl), slices.Clone(d.Mirrors), slices.Clone(d.KojiHubs)
	c.Images, c.VersionlessIDs = maps.Clone(d.Images), slices.Clone(d.VersionlessIDs)
	c.Releases = slices.Clone(d.Releases)
	for i := range c.Releases {
		c.Releases[i].OEM, c.Releases[i].CrawlArches = slices.Clone(d.Releases[i].OEM), slices.Clone(d.Releases[i].CrawlArches)
	}
	return c
}

// Distributions is every distribution matrixgen builds for, sorted.
func Distributions() []string { return slices.Clone(names) }

// KnownVersions lists the versions the table knows, oldest first: the
// releases' versions, or Versions.
func (d *Distro) KnownVersions() []string {
	if len(d.Releases) == 0 {
		return slices.Clone(d.Versions)
	}
	out := make([]string, len(d.Releases))
	for i, r := range d.Releases {
		out[i] = r.Version
	}
	return out
}

// TargetNames are every spelling of d a target may use without a version:
// its name, aliases and os-release IDs, sorted, without repeats.
func (d *Distro) TargetNames() []string {
	out := append([]string{d.Name}, d.Aliases...)
	out = append(out, d.OSReleaseIDs...)
	slices.Sort(out)
	return slices.Compact(out)
}

// MirrorKeys are d's --mirror keys: its mirrors', then each Koji hub's and
// its file root's (<hub>-files).
func (d *Distro) MirrorKeys() []string {
	var out []string
	for _, m := range d.Mirrors {
		out = append(out, m.Key)
	}
	for _, h := range d.KojiHubs {
		out = append(out, h, h+"-files")
	}
	return out
}

// Mirror is the default URL of one of d's mirror keys.
func (d *Distro) Mirror(key string) (string, bool) {
	for _, m := range d.Mirrors {
		if m.Key == key {
			return m.URL, true
		}
	}
	return "", false
}

// DefaultImage is the container image a distribution version builds in;
// "" for a distribution whose kernels name their own (RHCOS: build_image).
func DefaultImage(distribution, version string) string {
	p, ok := imageParts[distribution]
	if !ok {
		return distribution + ":" + version
	}
	if img, ok := byName[distribution].Images[version]; ok {
		return img
	}
	if len(p) == 2 { // one concatenation: matrix asks once per distribution version
		return p[0] + version + p[1]
	}
	return strings.Join(p, version)
}

// FromOSRelease maps an os-release ID and VERSION_ID to a distribution and
// the version kernels are built per ("9.4" → "9" on the RHEL family;
// CentOS Stream's "9" → "stream9"; Debian's "12" stays).
func FromOSRelease(id, versionID string) (distribution, version string, ok bool) {
	d, ok := byOSID[id]
	if !ok {
		return "", "", false
	}
	if slices.Contains(d.VersionlessIDs, id) {
		return d.Name, "", true
	}
	return d.Name, d.norm(versionID), true
}

// OSReleaseIDs lists every os-release ID the table maps, sorted.
func OSReleaseIDs() []string {
	var out []string
	for _, d := range distros {
		out = append(out, d.OSReleaseIDs...)
	}
	slices.Sort(out)
	return out
}

// FlavorTarget is the target naming a distribution's flavor
// ("ubuntu-gcp"), or the distribution where flavors are not in targets.
func FlavorTarget(distribution, flavor string) string {
	if d := byName[distribution]; d != nil && d.Flavored && flavor != "" {
		return distribution + "-" + flavor
	}
	return distribution
}

// PackageFormat is the package format of a distribution's kernels ("deb",
// "rpm"; "" when unknown).
func PackageFormat(distribution string) string {
	if d := byName[distribution]; d != nil {
		return d.PackageFormat
	}
	return ""
}

// CanonicalDistribution is the distribution a filter value names: a name,
// an alias or an os-release ID (not a Falco target with a version).
func CanonicalDistribution(s string) (string, bool) {
	t, ok := byTarget[strings.ToLower(s)]
	return t.Distribution, ok
}

func identity(v string) string { return v }

// major trims a point release to its major: "9.4" → "9", Debian's "12.8" → "12".
func major(v string) string {
	m, _, _ := strings.Cut(v, ".")
	return m
}

// centosVersion: CentOS Stream 9 and later say VERSION_ID="9"; kernels.json says stream9.
func centosVersion(v string) string {
	v = major(v)
	if n, err := strconv.Atoi(v); err == nil && n >= 9 {
		return "stream" + v
	}
	return v
}

func validNumber(d *Distro, v string) string {
	if n, err := strconv.Atoi(v); err != nil || n < 1 {
		if len(d.Versions) == 0 {
			return article(d.Title) + " version is a number"
		}
		return article(d.Title) + " version is its major number (" + d.Versions[len(d.Versions)-1] + ")"
	}
	return ""
}

func validListed(d *Distro, v string) string {
	if !slices.Contains(d.Versions, v) {
		vs := d.Versions
		if len(vs) == 1 {
			return article(d.Title) + " version is " + vs[0]
		}
		return article(d.Title) + " version is " + strings.Join(vs[:len(vs)-1], ", ") + " or " + vs[len(vs)-1]
	}
	return ""
}

// article puts "a" or "an" before a title, for messages.
func article(title string) string {
	if title != "" && strings.ContainsRune("AEIOU", rune(title[0])) {
		return "an " + title
	}
	return "a " + title
}

func validCentOS(_ *Distro, v string) string {
	n := strings.TrimPrefix(v, "stream")
	switch x, err := strconv.Atoi(n); {
	case err != nil || x < 1:
		return "a CentOS version is N (up to 8) or streamN (9 and later)"
	case x >= 9 && n == v:
		return "CentOS " + n + " is CentOS Stream: write stream" + n
	}
	return ""
}

func validByTable(d *Distro, v string) string {
	if _, _, ok := d.releaseByVersion(v); !ok {
		return "not " + article(d.Title) + " release (want one of " + strings.Join(d.KnownVersions(), ", ") + ")"
	}
	return ""
}

// RHCOS is Red Hat Enterprise Linux CoreOS, the OpenShift node OS.
const RHCOS = "rhcos"

// openshiftRHEL is the RHEL minor each OpenShift minor's RHCOS is built
// from, checked against Red Hat's documents (crawlers/RHCOS-TABLE.md has
// the evidence per row): 4.13 is the first on RHEL 9 ("Beginning with
// OpenShift Container Platform 4.13, RHCOS now uses RHEL 9.2 packages");
// 4.16 and 4.19 switched to the EUS releases 9.4 and 9.6. Minors after
// the last row are accepted with that RHEL or a later one.
var openshiftRHEL = []struct{ Minor, RHEL string }{
	{"4.13", "9.2"}, {"4.14", "9.2"}, {"4.15", "9.2"},
	{"4.16", "9.4"}, {"4.17", "9.4"}, {"4.18", "9.4"},
	{"4.19", "9.6"},
}

// FirstOpenShiftMinor is the first OpenShift minor matrixgen builds for:
// RHCOS on RHEL 9 (the NVIDIA precompiled-driver procedure's floor).
const FirstOpenShiftMinor = 13

// openshiftMinors are the minors the table knows, oldest first.
func openshiftMinors() []string {
	out := make([]string, len(openshiftRHEL))
	for i, r := range openshiftRHEL {
		out[i] = r.Minor
	}
	return out
}

// rhelOfMinor is the RHEL major.minor an OpenShift minor's RHCOS is
// built from ("4.15" → "9.2"); false for a minor the table does not list.
func rhelOfMinor(minor string) (string, bool) {
	for _, r := range openshiftRHEL {
		if r.Minor == minor {
			return r.RHEL, true
		}
	}
	return "", false
}

// openshiftMinor reads an RHCOS host's VERSION_ID (or OPENSHIFT_VERSION),
// "4.15", as its version; a "4.15.3" keeps its minor.
func openshiftMinor(v string) string {
	if a, rest, ok := strings.Cut(v, "."); ok {
		b, _, _ := strings.Cut(rest, ".")
		return a + "." + b
	}
	return v
}

func validOpenShiftMinor(_ *Distro, v string) string {
	a, b, ok := strings.Cut(v, ".")
	n, err := strconv.Atoi(b)
	if !ok || a != "4" || err != nil || strconv.Itoa(n) != b || n < FirstOpenShiftMinor {
		return fmt.Sprintf("an RHCOS version is an OpenShift minor from 4.%d (4.15)", FirstOpenShiftMinor)
	}
	return ""
}

// deriveRHCOS refuses: an RHCOS kernel is RHEL's, and one RHEL kernel
// ships in several OpenShift minors, so the release alone names none.
func deriveRHCOS(_ *Distro, in Input, _ Derivation, r refusals) (Derivation, error) {
	m := reEL.FindStringSubmatch(in.Release)
	if m == nil || m[3] != "" {
		return r.noMarker("no .elN_M marker: every RHCOS kernel is a RHEL kernel")
	}
	var minors []string
	for _, o := range openshiftRHEL {
		if o.RHEL == m[1]+"."+m[2] {
			minors = append(minors, o.Minor)
		}
	}
	if len(minors) > 0 {
		return r.refuse("ambiguous without the OpenShift minor: RHEL %s.%s kernels ship in OpenShift %s", m[1], m[2], strings.Join(minors, ", "))
	}
	return r.refuse("ambiguous without the OpenShift minor: the release names RHEL, not OpenShift")
}

// rhcosShips is the consistency rule: the release's .elN_M is the RHEL
// the OpenShift minor's RHCOS is built from.
func rhcosShips(_ *Distro, version, release, _ string) error {
	m := reEL.FindStringSubmatch(release)
	if m == nil || m[2] == "" || m[3] != "" {
		return &InvalidError{Field: "kernelrelease", Value: release, Reason: "not a kernel release of rhcos: every RHCOS kernel is a RHEL kernel, with its .elN_M marker (5.14.0-284.54.1.el9_2.x86_64)"}
	}
	got := m[1] + "." + m[2]
	want, known := rhelOfMinor(version)
	if known && got == want {
		return nil
	}
	last := openshiftRHEL[len(openshiftRHEL)-1]
	if !known && compareDotted(got, last.RHEL) >= 0 {
		return nil // a minor newer than the table: its RHEL is no older than the last row's
	}
	if !known {
		want = last.RHEL + " or later"
	}
	return &InvalidError{Field: "distroversion", Value: version, Reason: fmt.Sprintf("OpenShift %s's RHCOS is RHEL %s, but %s is a RHEL %s kernel", version, want, release, got)}
}

// compareDotted compares "9.2" and "10.0" number by number.
func compareDotted(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			return x - y
		}
	}
	return len(as) - len(bs)
}

// OSTag is the NVIDIA GPU Operator's OS_TAG for a kernel's host, the
// os-release ID and VERSION_ID run together: ubuntu22.04, rhcos4.15 (an
// RHCOS VERSION_ID is the OpenShift minor) and, where VERSION_ID names the
// point release, its minor from the release's .elN_M (rhel9.4).
func OSTag(distribution, version, release string) string {
	if d := byName[distribution]; d != nil && d.osTagMinor {
		if m := reEL.FindStringSubmatch(release); m != nil && m[1] == version && m[2] != "" {
			return distribution + version + "." + m[2]
		}
	}
	return distribution + version
}

// OSTagReadsRelease says whether OSTag reads the release (RHEL's minor),
// not only the distribution and version.
func OSTagReadsRelease(distribution string) bool {
	d := byName[distribution]
	return d != nil && d.osTagMinor
}

// OSReleaseVersionKeys are the os-release keys that hold the version of
// a host with os-release ID id, first present wins: VERSION_ID, or on
// RHCOS OPENSHIFT_VERSION, then VERSION_ID.
func OSReleaseVersionKeys(id string) []string {
	if d := byOSID[id]; d != nil && d.osVersion != nil {
		return slices.Clone(d.osVersion)
	}
	return []string{"VERSION_ID"}
}
