// Package deb reads the Debian repository format: signed InRelease files, the Release
// paragraph they carry, and streamed Packages indices. It crawls too: CrawlRelease and the
// Distribution's jobs fetch InRelease and Packages files, and discover suites from directory
// listings, over the network. All of that I/O goes through the source.Fetcher it is given
// (its Get, Open and Transport); the package opens no connection of its own. The parsers
// (VerifyInRelease, ParseRelease, NewScanner for Packages) take bytes or readers and do no
// network I/O.
package deb
