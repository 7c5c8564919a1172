package main

import (
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers"
	"github.com/matrixgen/matrixgen/crawlers/distros"
	"github.com/matrixgen/matrixgen/crawlers/fetch"
	"github.com/matrixgen/matrixgen/crawlers/source"
)

// fetchFlags are the flags of the commands that read mirrors (crawl, resolve).
type fetchFlags struct {
	mirrors []string
	noCache bool
	fetch.Options
}

func (ff *fetchFlags) register(cmd *cobra.Command, mirrorUsage string) {
	f := cmd.Flags()
	f.StringArrayVar(&ff.mirrors, "mirror", nil, mirrorUsage)
	f.StringVar(&ff.CacheDir, "cache-dir", fetch.DefaultCacheDir(), "conditional-GET cache directory")
	f.BoolVar(&ff.noCache, "no-cache", false, "do not use the on-disk cache")
}

// parse returns the --mirror overrides; --no-cache empties CacheDir.
func (ff *fetchFlags) parse() (map[string]string, error) {
	if ff.noCache {
		ff.CacheDir = ""
	}
	return fetch.ParseMirrors(ff.mirrors)
}

func newCmdCrawl(ios *ioStreams) *cobra.Command {
	req := crawlers.Request{Table: distros.All()}
	out := &crawlers.Output{Stdout: ios.Out, Summary: ios.ErrOut, Log: slog.New(slog.NewTextHandler(ios.ErrOut, nil))}
	var ff fetchFlags
	var arches []string
	var previous, now, kojiSince string
	var checkValidUntil, koji bool
	var kojiNewest int
	var timeout, kojiTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "crawl",
		Short: "Crawl distro mirrors for every kernel that exists",
		Long: `Crawl distro mirrors concurrently and write every kernel found, in the Falco
kernel-crawler list.json shape plus distroversion on every entry.

Distributions and their default releases (--distro, --release):
` + distros.DistroHelp() + `
--release takes RELEASE where it names one release of the distributions asked
for, or DISTRO/RELEASE (debian/bookworm, rocky/9.4, fedora/38,
amazonlinux2023/latest). --arch takes x86_64, aarch64, aarch64+64k (the RHEL
family's 64k-page kernels, read from the aarch64 repositories) and riscv64.

Debian and Ubuntu: every InRelease is verified against the archive keyrings
(embedded; --keyring replaces them) and its Valid-Until; every Packages file
against the SHA256 the signed InRelease lists. Every linux-headers-<abi>-<flavor>
package is one kernel, with the URLs of the headers, common headers and kbuild
packages it depends on, resolved across the release's suites.

RPM distributions: repodata/repomd.xml, then its primary index (primary_db
where a repository has no primary XML), verified by checksum as it streams
and by open-checksum after decompression. kernel-devel, kernel-64k-devel,
Amazon's kernel<series>-devel and Oracle's kernel-uek-devel are kernels; Azure
Linux's kernel-devel and kernel-hwe-devel, each Photon flavor's linux-*-devel,
each SUSE kernel-<flavor>-devel (with the noarch kernel-devel of its build) and
Alibaba Cloud Linux's kernel-devel, under the uname -r each distribution prints.
Amazon Linux 2023's kernel-livepatch repository adds the live-patched kernels,
marked "source": "livepatch", with core's kernel-devel as headers, or
"headers": [] and a warning when core no longer has it: a kernel-livepatch
package is a kpatch module, not a build tree, so such a kernel has no header
source (matrix --crawled does not schedule it).

--koji adds, for each Fedora and CentOS Stream release crawled, the
kernel-devel (kernel-64k-devel) builds its Koji hubs hold but its mirrors no
longer carry (Fedora: koji-fedora; CentOS Stream: koji-stream, then koji-cbs),
marked "source": "koji", with Koji download URLs as headers. Only COMPLETE
builds count, bounded per release and hub by --koji-newest or --koji-since and
--koji-timeout; listBuilds is paged (at most 100 pages of 50), and a hub that
answers a page it already gave (one that ignores the offset) fails its source.

Flatcar (--distro flatcar) is read from each channel's release list: one
kernel per release, <kernel>-flatcar under the Flatcar release, with the
release's developer container as header source. Fedora CoreOS (--distro
fedora-coreos: streams stable, testing, next) is read from each stream's
newest --fcos-builds builds: the Fedora kernel each boots, listed
under fedora with "source": "fedora-coreos", its stream and build, and
Fedora's kernel-devel on Koji as header source. With --discover, a channel or
stream --release names that neither lists is asked for by name.

Every kernel is checked against the release it was found in: one whose own
markers contradict it is refused with a warning. Unchanged indices cost one
304 with the on-disk cache, and an index whose verified digest is unchanged
since the last run is not parsed again.

A dead mirror, a bad signature, a checksum mismatch or a truncated file fails
only its source, named on stderr with its URL; the rest is written. With
--previous, a failed release's kernels are carried over from the previous
output (marked "carried_over": true) instead of dropped. A listing that fails
(Fedora's releases/, a --vault listing, dists/ or AL2023's releasemd.xml with
--discover) fails in place of the releases it would have listed: it is named
as a failed source of its distribution on each arch, and every kernel of that
distribution the previous output holds is carried over.

Without --previous, the output being replaced (--out or --out-dir) serves as
the previous crawl. An arch whose every source failed is not written at all:
its old list.json stays as it was, and stderr says so.

--out, --out-dir, --stats and --cache-dir are checked before any request: a
directory where a file is wanted, a parent directory that does not exist or
cannot be written, or an --out-dir or --cache-dir that is a file is a usage
error (exit 2) and nothing is crawled.

A crawl connects only where its configuration points: the mirrors, and the
repository an Amazon mirror.list fetched from one names. A repomd.xml whose
index is on another host fails its source; a package location on another host
is left out of the kernel's headers, with a warning; a mirror.list line at a
link-local, cloud-metadata or (unless a --mirror is on loopback) loopback
address is dropped, with a warning, and the next line used. Such addresses are
refused when dialled too, whatever name or redirect led there.

A body too large or trickling too slowly to finish within --request-timeout
fails its source, named with the bytes read.

RHCOS (--distro rhcos or --release rhcos/4.15; a crawl of every distribution
leaves it out) reads the upgrade graph, each z-stream's release.txt and its
rhel-coreos image's config (never a layer): each kernel lists the z-streams
that ship it and the newest one's driver-toolkit image (build_image). The
registry needs a pull secret; without a usable one the rhcos sources fail.

Ctrl-C or --timeout ends the crawl early: what finished is written, every
unfinished source is named as failed, and the exit code is 3.

Mirror keys for --mirror KEY=URL, with their defaults:
` + distros.MirrorHelp() + exitCodesHelp(
			"1  nothing written: every source failed, or none finished before Ctrl-C or --timeout",
			"3  partial: output written, but some sources failed or did not finish",
			"   (each named on stderr with its URL)"),
		Example: `  matrixgen crawl --distro debian --release bookworm --out list.json
  matrixgen crawl --arch x86_64,aarch64,riscv64 --out-dir out --stats stats.json
  matrixgen crawl --mirror debian=http://127.0.0.1:8080/debian --mirror debian-security=http://127.0.0.1:8080/debian-security --distro debian
  matrixgen crawl --previous out/x86_64/list.json --out out/x86_64/list.json
  matrixgen crawl --distro rhcos --release rhcos/4.15 --arch x86_64,aarch64,aarch64+64k --pull-secret pull-secret.json --out-dir out`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case out.File != "" && out.Dir != "":
				return usageErr("--out and --out-dir exclude each other")
			case len(arches) > 1 && out.Dir == "":
				return usageErr("%d arches need --out-dir DIR (writes DIR/<arch>/list.json); --out and stdout take one arch", len(arches))
			case !koji && (cmd.Flags().Changed("koji-since") || cmd.Flags().Changed("koji-newest") || cmd.Flags().Changed("koji-timeout")):
				return usageErr("--koji-since, --koji-newest and --koji-timeout bound --koji: add --koji")
			}
			req.SkipValidUntil, ff.Concurrency = !checkValidUntil, req.Concurrency
			var err error
			if koji {
				if req.Koji, err = source.ParseKojiBounds(kojiSince, kojiNewest, cmd.Flags().Changed("koji-newest"), kojiTimeout); err != nil {
					return err
				}
			}
			for _, a := range arches {
				arch, err := matrixgen.ParseArch(a)
				if err != nil {
					return usageErr("--arch: %w", err)
				}
				req.Arches = append(req.Arches, arch)
			}
			if req.Mirrors, err = ff.parse(); err != nil {
				return err
			}
			if now != "" {
				t, err := time.Parse(time.RFC3339, now)
				if err != nil {
					return usageErr("--now %q: want RFC 3339, e.g. 2026-11-21T12:00:00Z", now)
				}
				req.Now = func() time.Time { return t }
			}
			job := crawlers.Job{Request: req, Output: out, Fetch: ff.Options, Previous: previous, Timeout: timeout, TTY: ios.ErrTTY, Words: flagName}
			return job.Crawl(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&req.Distros, "distro", nil, "distributions to crawl (default all; listed above)")
	f.StringSliceVar(&arches, "arch", []string{"x86_64"}, "architectures: x86_64 (amd64), aarch64 (arm64), aarch64+64k, riscv64")
	f.StringSliceVar(&req.Releases, "release", nil, "releases: bookworm,noble or DISTRO/RELEASE (default: each distribution's defaults)")
	f.StringVar(&req.Component, "component", "main", "archive component")
	ff.register(cmd, "KEY=URL mirror override; repeatable (keys listed above)")
	f.StringArrayVar(&req.KeyringFiles, "keyring", nil, "OpenPGP keyring file to verify InRelease with; repeatable (default: embedded Debian and Ubuntu archive keyrings)")
	f.IntVar(&req.Concurrency, "concurrency", 8, "requests in flight across all mirrors (4 per host at most)")
	f.StringVar(&out.File, "out", "", "write list.json for the one arch here (default: stdout)")
	f.StringVar(&out.Dir, "out-dir", "", "write DIR/<arch>/list.json for each arch")
	f.StringVar(&out.Stats, "stats", "", "write request counters as JSON here")
	f.StringVar(&previous, "previous", "", "previous crawl output (list.json, or the --out-dir): kernels of failed sources are carried over")
	f.BoolVar(&req.Vault, "vault", false, "also crawl the minor releases the Rocky and AlmaLinux vaults list (9.4, 9.5, ...)")
	f.BoolVar(&req.Discover, "discover", false, "list each mirror's dists/ (and release folders: Fedora, Photon, openSUSE Leap, Azure Linux, Alibaba Cloud Linux) to find and crawl releases the built-in table does not know")
	f.BoolVar(&checkValidUntil, "check-valid-until", true, "refuse InRelease files past their Valid-Until, as apt does")
	f.StringVar(&now, "now", "", "clock for signature and Valid-Until checks (RFC 3339), for reproducing a past crawl")
	f.DurationVar(&timeout, "timeout", 30*time.Minute, "give up on the whole crawl after this long")
	f.DurationVar(&ff.RequestTimeout, "request-timeout", 10*time.Minute, "give up on one request (a whole index, retries included) after this long")
	f.BoolVar(&koji, "koji", false, "add the Fedora and CentOS Stream kernel builds Koji/CBS hold that the mirrors lack")
	f.StringVar(&kojiSince, "koji-since", "", "with --koji: only builds completed after DATE (2026-01-31 or RFC 3339)")
	f.IntVar(&kojiNewest, "koji-newest", source.DefaultKojiNewest, "with --koji: at most the newest N builds per release and hub (0 with --koji-since: no count bound)")
	f.DurationVar(&kojiTimeout, "koji-timeout", source.DefaultKojiTimeout, "with --koji: give up on one hub for one release and arch after this long (its source fails, the next hub is asked)")
	f.IntVar(&req.FCOSBuilds, "fcos-builds", source.DefaultFCOSBuilds, "Fedora CoreOS: how many of each stream's newest builds to read")
	f.StringVar(&req.PullSecret, "pull-secret", "", "RHCOS: registry credentials, the {\"auths\":{…}} pull secret from console.redhat.com (default: REGISTRY_AUTH_FILE, then the docker config)")
	f.StringArrayVar(&req.Registries, "registry", nil, "RHCOS: HOST=URL, reach registry HOST at URL (a disconnected cluster's mirror); repeatable")
	_ = f.MarkHidden("now")
	return cmd
}
