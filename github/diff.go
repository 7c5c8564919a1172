package github

import (
	"fmt"
	"strings"
)

// Diff is a unified diff of two texts with 3 lines of context, as the
// dry-run plan shows kernels.json; "" when they are equal. kernels.json is
// canonical (one entry per line, sorted), so an addition is a few lines.
func Diff(oldName, newName string, a, b []byte) string {
	if string(a) == string(b) {
		return ""
	}
	x, y := lines(a), lines(b)
	// Trim the common prefix and suffix; diff only the middle.
	pre := 0
	for pre < len(x) && pre < len(y) && x[pre] == y[pre] {
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && x[len(x)-1-suf] == y[len(y)-1-suf] {
		suf++
	}
	ops := lcsOps(x[pre:len(x)-suf], y[pre:len(y)-suf])
	// Whole script, with the common lines as context.
	type op struct {
		kind byte // ' ', '-', '+'
		text string
	}
	var all []op
	for _, l := range x[:pre] {
		all = append(all, op{' ', l})
	}
	for _, o := range ops {
		all = append(all, op{o[0][0], o[1]})
	}
	for _, l := range x[len(x)-suf:] {
		all = append(all, op{' ', l})
	}
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldName, newName)
	const ctx = 3
	for i := 0; i < len(all); {
		if all[i].kind == ' ' {
			i++
			continue
		}
		// A hunk: from ctx lines before the change to ctx lines after the
		// last change that is within 2*ctx of the one before.
		start := max(0, i-ctx)
		end := i
		for j := i; j < len(all); j++ {
			if all[j].kind != ' ' {
				end = j
			} else if j-end > 2*ctx {
				break
			}
		}
		stop := min(len(all), end+ctx+1)
		oldLine, newLine := 1, 1
		for _, o := range all[:start] {
			if o.kind != '+' {
				oldLine++
			}
			if o.kind != '-' {
				newLine++
			}
		}
		oldN, newN := 0, 0
		for _, o := range all[start:stop] {
			if o.kind != '+' {
				oldN++
			}
			if o.kind != '-' {
				newN++
			}
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n", oldLine, oldN, newLine, newN)
		for _, o := range all[start:stop] {
			out.WriteByte(o.kind)
			out.WriteString(o.text)
			out.WriteByte('\n')
		}
		i = stop
	}
	return out.String()
}

func lines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// lcsOps is the edit script from x to y, each op {kind, line}, by the
// longest common subsequence. The middle of a kernels.json change is
// small; past 4M cells it falls back to removing x and adding y.
func lcsOps(x, y []string) [][2]string {
	var ops [][2]string
	if len(x)*len(y) > 4<<20 {
		for _, l := range x {
			ops = append(ops, [2]string{"-", l})
		}
		for _, l := range y {
			ops = append(ops, [2]string{"+", l})
		}
		return ops
	}
	n, m := len(x), len(y)
	dp := make([][]int, n+1)
	for i := range dp {
		dp[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			ops = append(ops, [2]string{" ", x[i]})
			i++
			j++
		case i < n && (j == m || dp[i+1][j] >= dp[i][j+1]):
			ops = append(ops, [2]string{"-", x[i]})
			i++
		default:
			ops = append(ops, [2]string{"+", y[j]})
			j++
		}
	}
	return ops
}
