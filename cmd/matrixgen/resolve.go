package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/distros"
	"github.com/matrixgen/matrixgen/resolve"
)

// newCmdResolve's runF, when set, gets the request and the output format
// instead of resolving (tests).
func newCmdResolve(ios *ioStreams, runF func(resolve.Request, string) error) *cobra.Command {
	var req resolve.Request
	var ff fetchFlags
	var json bool
	var format string
	cmd := &cobra.Command{
		Use:   "resolve --target T --release R --arch A",
		Short: "Find (and verify) the URLs of one kernel's header packages",
		Long: `Find the header packages (kernel-devel, kernel-64k-devel, Amazon Linux's
kernel<series>-devel, Oracle's kernel-uek-devel; never kernel-core) of one
kernel, through a chain of links tried in order:

  1. repo   the distribution's repositories for the kernel's release and arch,
            read as the crawl reads them (Fedora releases no longer on the main
            mirror come from fedora-archive; Amazon Linux 2023: core, then the
            kernel-livepatch repository, whose kpatch modules are no header
            source: for a live-patched kernel core no longer has, tried says
            so and only a --url can answer)
  2. url    each --url, in order: its file name must be the expected package's,
            and it must exist (a one-byte Range read)
  3. koji   the Koji hubs: Fedora's for Fedora; CentOS Stream's, then CBS, for
            CentOS Stream. A build that is DELETED, FAILED or CANCELED is never
            an answer; one still BUILDING is not one yet. Amazon Linux, Rocky,
            AlmaLinux and Oracle have no Koji.

--verify reads the start of each RPM with HTTP Range requests — the lead, the
signature header and the main header up to NAME, EPOCH, VERSION, RELEASE and
ARCH, never a payload byte — and refuses one that is another package. A server
that ignores Range is read only as far and its body closed. A URL that fails
verification is listed in tried and the chain goes on.

Output (--format): which link answered and the URLs (text); JSON:
{"target","release","arch","link","source","urls","verified","tried"}, with
"link": null and "urls": [] when no link has the kernel; urls: the URLs alone.

Mirror keys for --mirror KEY=URL (the distributions' as in crawl, and the hubs'):
` + distros.MirrorHelp() + resolve.HubHelp() + exitCodesHelp(
			"0  found: stdout has the URLs",
			"1  failure: the request could not be carried out",
			"3  not found, and some link could not be asked (a timeout, a fault, an HTTP",
			"   error): the kernel may exist there; each link is named on stderr",
			"6  not found: every link answered that it has no such kernel"),
		Example: `  matrixgen resolve --target fedora --release 6.16.8-100.fc41.x86_64 --arch x86_64
  matrixgen resolve --target centos --release 5.14.0-580.el9.x86_64 --arch x86_64 --verify --json
  matrixgen resolve --format urls --target "$TARGET" --release "$KERNEL" --arch "$(uname -m)" | xargs dnf install -y`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if json {
				if cmd.Flags().Changed("format") && format != "json" {
					return usageErr("--json and --format %s exclude each other", format)
				}
				format = "json"
			}
			switch format {
			case "text", "json", "urls":
			default:
				return usageErr("--format %q: want text, json or urls", format)
			}
			if req.LinkTimeout <= 0 {
				return usageErr("--link-timeout %s: want a positive duration, e.g. 1m", req.LinkTimeout)
			}
			var err error
			if req.Arch, err = matrixgen.ParseArch(string(req.Arch)); err != nil {
				return usageErr("--arch: %w", err)
			}
			if req.Mirrors, err = ff.parse(); err != nil {
				return err
			}
			if runF != nil {
				return runF(req, format)
			}
			return resolve.Run(cmd.Context(), ff.Options, distros.All(), req, ios.Out, ios.ErrOut, format)
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Target, "target", "", "distribution or Falco key: fedora, centos, amazonlinux2023, ... (required)")
	f.StringVar(&req.Release, "release", "", "kernel release as uname -r prints it (required)")
	f.StringVar((*string)(&req.Arch), "arch", "x86_64", "x86_64 (amd64), aarch64 (arm64) or aarch64+64k")
	f.StringArrayVar(&req.URLs, "url", nil, "explicit URL of the headers package, tried after the repositories; repeatable")
	f.BoolVar(&req.Verify, "verify", false, "read each RPM's header over HTTP Range and check its name, version, release and arch")
	f.BoolVar(&json, "json", false, "print one JSON object (same as --format json)")
	f.StringVar(&format, "format", "text", "text, json, or urls (one URL a line)")
	ff.register(cmd, "KEY=URL mirror or hub override; repeatable (keys listed above)")
	f.DurationVar(&req.LinkTimeout, "link-timeout", time.Minute, "give up on one link (a repository crawl, a URL, a hub) after this long and try the next")
	_ = cmd.MarkFlagRequired("target")
	_ = cmd.MarkFlagRequired("release")
	return cmd
}
