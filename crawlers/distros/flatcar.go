package distros

import (
	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/crawlers/flatcar"
)

// Flatcar is Flatcar Container Linux: each channel's release list, one
// kernel per release, built in the release's developer container.
func Flatcar() *flatcar.Distribution {
	d := entry(matrixgen.Flatcar)
	return &flatcar.Distribution{
		ID: d.Name, Kernels: d.Name,
		MirrorKey: "flatcar",
		Defaults:  mirrorsOf(d),
		// Its channels (the versions are the releases they list).
		Channels: []string{"stable", "beta", "alpha", "lts"},
		Others:   []string{"edge", "lts-2021", "lts-2022", "lts-2023", "lts-2024"},
		DevContainer: func(channel, board, version string) string {
			return "https://" + channel + ".release.flatcar-linux.net/" + board + "/" + version + "/flatcar_developer_container.bin.bz2"
		},
	}
}
