package matrixgen

import (
	"path"
	"strings"
)

// Filters (matrix, compat --target/--arch) are comma-separated values or
// globs. A value must name something matrixgen knows, in any spelling it
// accepts elsewhere (an alias is its canonical name), and a glob must match
// at least one known name: a filter that can match nothing is a mistake,
// not an empty result.

// DistributionFilter checks a --target filter and writes each plain value
// as the distribution it names ("ol" → "oracle", "amzn" → "amazonlinux").
func DistributionFilter(list string) (string, error) {
	return normalizeFilter("target", list, names, func(s string) (string, bool) { return CanonicalDistribution(s) },
		"a distribution or alias (matrixgen distros lists them)")
}

// ArchFilter checks an --arch filter and writes each plain value as its
// canonical arch ("arm64" → "aarch64", "amd64" → "x86_64").
func ArchFilter(list string) (string, error) {
	return normalizeFilter("arch", list, []string{string(X86_64), string(AArch64), string(AArch64_64k), string(RISCV64)},
		func(s string) (string, bool) {
			a, err := ParseArch(s)
			return string(a), err == nil
		}, "x86_64 (amd64), aarch64 (arm64), aarch64+64k or riscv64")
}

func normalizeFilter(field, list string, known []string, canon func(string) (string, bool), want string) (string, error) {
	var out []string
	for _, v := range strings.Split(list, ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		if strings.ContainsAny(v, `*?[\`) {
			matched := false
			for _, k := range known {
				if ok, err := path.Match(v, k); err != nil {
					return "", &InvalidError{Field: field, Value: v, Reason: "bad glob: " + err.Error()}
				} else if ok {
					matched = true
				}
			}
			if !matched {
				return "", &InvalidError{Field: field, Value: v, Reason: "the glob matches no known value (want " + want + ")"}
			}
			out = append(out, v)
			continue
		}
		c, ok := canon(v)
		if !ok {
			return "", &InvalidError{Field: field, Value: v, Reason: "unknown (want " + want + ")"}
		}
		out = append(out, c)
	}
	return strings.Join(out, ","), nil
}
