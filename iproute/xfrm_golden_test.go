package iproute

import "regexp"

// xfrmTimeRE matches the SA/SP creation and use times of ip -s xfrm
// (local wall-clock time), which the golden README says to normalize.
var xfrmTimeRE = regexp.MustCompile(`(add|use) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d`)

func normXfrmTime(s string) string { return xfrmTimeRE.ReplaceAllString(s, "$1 <time>") }
