// Package rpm reads the rpm-md repository format (repodata/repomd.xml, a streamed
// primary.xml or, where a repository has no primary XML, its primary_db SQLite file) and
// turns the kernel headers packages it lists into kernels; it also reads the two Amazon
// Linux side files, mirror.list and releasemd.xml.
//
// The runner calls CrawlRepo once per repository and arch, after resolving an Amazon
// mirror.list with ResolveMirrorList; which package names count is a Matcher (Headers by
// default, Livepatches for the AL2023 kernel-livepatch repository). All network I/O goes
// through the source.Fetcher it is given.
package rpm
