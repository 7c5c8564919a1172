package github

import (
	"os"

	gh "github.com/google/go-github/v93/github"

	"github.com/matrixgen/matrixgen"
)

func blobOf(s string) gh.Blob { return gh.Blob{Content: s, Encoding: new("utf-8")} }

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }

func kernelOf(k matrixgen.Key) matrixgen.Kernel {
	return matrixgen.Kernel{Distribution: k.Distribution, DistroVersion: k.DistroVersion, Arch: k.Arch, Release: k.Release}
}
