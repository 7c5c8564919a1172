// Package distros holds the crawl configuration of each distribution, one
// small file each over a repository format (crawlers/deb, crawlers/rpm), and
// All, the explicit list crawlers.Run is given. Releases, arches and mirrors
// come from the distribution table (matrixgen.Distros).
package distros
