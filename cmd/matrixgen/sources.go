package main

import (
	"github.com/matrixgen/matrixgen/schedule"
	"github.com/spf13/cobra"
)

// registerSources adds the kernel-set inputs and filters matrix and compat share.
func registerSources(cmd *cobra.Command, s *schedule.Sources) {
	f := cmd.Flags()
	f.StringVar(&s.Kernels, "kernels", "kernels.json", "kernels.json to build (a path or git:REV:path)")
	f.StringArrayVar(&s.Crawled, "crawled", nil, "crawl output to merge in, repeatable: FILE, ARCH=FILE, a crawl --out-dir DIR (DIR/<arch>/list.json), or - for stdin; a FILE's arch is what its releases name (-arm64, .aarch64), else its path (<arch>/list.json, <arch>.json), else x86_64, and a file whose releases contradict its arch is refused")
	f.StringVar(&s.Filter.Target, "target", "", "keep distributions matching these names or globs (comma-separated, aliases such as ol or amzn accepted), e.g. 'ubuntu,debian'; an unknown name is a usage error")
	f.StringVar(&s.Filter.Arch, "arch", "", "keep arches matching these names or globs (aliases such as arm64 accepted), e.g. 'x86_64'; an unknown arch is a usage error")
	f.StringVar(&s.Filter.DistroVersion, "distro-version", "", "keep distro versions matching these globs, e.g. '2?.04'")
	f.BoolVar(&s.IncludeHeaderless, "include-headerless", false, `also build crawled kernels listed with no header source ("headers": [], e.g. AL2023 live-patched kernels whose kernel-devel is gone); default: left out and named on stderr`)
}
