// Package transport is matrixgen's one HTTP stack: small http.RoundTripper
// layers, each with one concern, that the mirror fetcher (crawlers/fetch),
// the GitHub client and the build service's client stack in the order they
// need. go-containerregistry's pkg/v1/remote/transport is the model.
//
// The layers:
//   - Timeout: per-attempt bounds on the wait for headers and on each body
//     Read (a *TimeoutError);
//   - Deadline: a total bound from sending a request to closing its body
//     (a *DeadlineError), one attempt or all of them depending on where it
//     sits;
//   - Retry: retries with exponential Backoff and jitter, honouring
//     Retry-After (RetryAfter parses it), under a Policy the caller may
//     replace (the GitHub client's rate-limit policy is one);
//   - Limit: requests in flight per host and overall;
//   - UserAgent, and Count (a callback per attempt, for stats);
//   - the host policy: CheckURL, Hosts and PolicyDialer refuse link-local,
//     metadata and (optionally) loopback addresses.
//
// What is specific to one client stays with it: the conditional-GET cache,
// decompression, caps and checksums in crawlers/fetch; the token, write
// spacing and rate-limit classification in github.
package transport
