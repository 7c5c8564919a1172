package crawlers

import (
	"github.com/matrixgen/matrixgen/crawlers/flatcar"
)

// Flatcar is Flatcar Container Linux: each channel's release list, one
// kernel per release, built in the release's developer container.
func Flatcar() *flatcar.Distribution {
	return &flatcar.Distribution{
		ID: "flatcar", Kernels: "flatcar",
		MirrorKey: "flatcar",
		Defaults:  map[string]string{"flatcar": "https://www.flatcar.org/releases-json"},
		Channels:  []string{"stable", "beta", "alpha", "lts"},
		Others:    []string{"edge", "lts-2021", "lts-2022", "lts-2023", "lts-2024"},
		DevContainer: func(channel, board, version string) string {
			return "https://" + channel + ".release.flatcar-linux.net/" + board + "/" + version + "/flatcar_developer_container.bin.bz2"
		},
	}
}
