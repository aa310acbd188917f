package iproute

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestXfrmErrorsLikeLinux replays the ip xfrm error cases recorded from
// Debian's iproute2 6.1 against a 6.1 kernel (made with the kernel peer)
// and wants softnet's ip to print the same text and exit with the same
// status. Cases that differ on purpose are in xfrmErrorsNewer, with the
// text of later iproute2 releases.
func TestXfrmErrorsLikeLinux(t *testing.T) {
	// eth0 is the guest's first NIC, which the offload cases name.
	replayRecording(t, "testdata/recorded/xfrm-linux-6.1.txt", []string{"ip link add eth0 type dummy"}, xfrmErrorsNewer, nil)
}

// TestLinkTCErrorsLikeLinux is the same for the tunnel, macvlan and tc
// commands, after the recording's own setup (a dummy d0, up).
func TestLinkTCErrorsLikeLinux(t *testing.T) {
	replayRecording(t, "testdata/recorded/link-tc-linux-6.1.txt",
		[]string{"ip link add d0 type dummy", "ip link set d0 up"}, nil, nil)
}

// TestXfrmListingsLikeLinux adds states and policies with most options
// (algorithms, flags, selectors with ports, limits, ESN replay state,
// encapsulation, priorities, ptype sub, several templates) and wants
// `ip xfrm state/policy` listings (plain, -o, -s) as iproute2 6.1 prints
// them; the add time of `ip -s xfrm state` is normalized.
func TestXfrmListingsLikeLinux(t *testing.T) {
	replayRecording(t, "testdata/recorded/xfrm-list-linux-6.1.txt", nil, nil, guestProtoNames)
}

// TestXfrmStatsLikeLinux is TestXfrmListingsLikeLinux for -s (and -o -s)
// listings of states with extra flags, an output mark and TFC padding,
// an af-unspec state, and a policy with limits.
func TestXfrmStatsLikeLinux(t *testing.T) {
	replayRecording(t, "testdata/recorded/xfrm-stats-linux-6.1.txt", nil, nil, nil)
}

// guestProtoNames writes the protocols the kernel peer's guest cannot name
// (it has no /etc/protocols) by number, as it printed them.
var guestProtoNames = strings.NewReplacer("proto gre ", "proto 47 ", "proto ipv6-icmp ", "proto 58 ")

// replayRecording runs the recorded commands in order in one world (as
// the guest ran them: a command that succeeded there changes what the
// next ones see) after setup, and compares softnet's output and exit
// status with the recording's (or with override's text for a command),
// after normalize (if any) rewrites softnet's output for differences of
// the recording machine's environment.
func replayRecording(t *testing.T, file string, setup []string, override map[string]string, normalize *strings.Replacer) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cases := parseRecorded(strings.Join(dropComments(string(data)), "\n"))
	if len(cases) < 5 {
		t.Fatalf("only %d recorded cases", len(cases))
	}
	env, _ := xfrmEnv(t)
	for _, l := range setup {
		if out, rc := runXfrm(env, l); rc != 0 {
			t.Fatalf("%s: %s", l, out)
		}
	}
	for _, c := range cases {
		if want, ok := override[c.cmd]; ok {
			c.want = want
		}
		t.Run(c.cmd, func(t *testing.T) {
			out, rc := runXfrm(env, quoteAlgos(c.cmd))
			if normalize != nil {
				out = normalize.Replace(out)
			}
			got := addTime.ReplaceAllString(out+"[exit "+strconv.Itoa(rc)+"]", "add TIME")
			if want := addTime.ReplaceAllString(c.want, "add TIME"); got != want {
				t.Errorf("softnet:\n%s\nLinux:\n%s", got, want)
			}
		})
	}
}

// xfrmErrorsNewer holds the recorded cases where softnet follows a later
// iproute2 than 6.1: `dir` on a state (iproute2 6.10, xfrm_dir_parse).
var xfrmErrorsNewer = map[string]string{
	"ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 1 dir sideways aead rfc4106(gcm(aes)) 0x0102030405060708090a0b0c0d0e0f1011121314 128": "Error: argument \"sideways\" is wrong: DIR value is not \"in\" or \"out\"\n[exit 255]",
}

type recordedCase struct{ cmd, want string }

// addTime is an SA's or policy's add time in `ip -s xfrm` output.
var addTime = regexp.MustCompile(`add \d{4}-\d\d-\d\d \d\d:\d\d:\d\d`)

// parseRecorded splits a recording into its cases.
func parseRecorded(s string) []recordedCase {
	var out []recordedCase
	for _, block := range strings.Split("\n"+s, "\n== ")[1:] {
		cmd, rest, _ := strings.Cut(block, "\n")
		out = append(out, recordedCase{cmd: cmd, want: strings.TrimRight(rest, "\n")})
	}
	return out
}

// quoteAlgos quotes the algorithm names of a recorded command line (the
// shell that ran it split words on blanks only, so they were bare).
func quoteAlgos(cmd string) string {
	for _, a := range []string{"rfc4106(gcm(aes))", "hmac(sha256)", "cbc(aes)"} {
		cmd = strings.ReplaceAll(cmd, " "+a+" ", " '"+a+"' ")
	}
	return cmd
}

func dropComments(s string) []string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "# ") {
			keep = append(keep, l)
		}
	}
	return keep
}
