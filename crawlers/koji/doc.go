// Package koji is a read-only client for Koji build-system hubs (Fedora's Koji, CentOS
// Stream's and CBS): a small XML-RPC codec, the calls matrixgen needs, and the download
// URLs of a build's RPMs.
package koji
