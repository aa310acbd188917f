package iproute

import (
	"strings"
	"testing"
)

func TestMacvlanGrammar(t *testing.T) {
	setup := []string{
		"ip link add d0 address 02:00:00:00:00:01 type dummy",
		"ip link set d0 up",
	}
	tests := []struct {
		name  string
		lines []string
		want  string // substring of the last line's output
		rc    int
	}{
		{"default vepa", []string{"ip link add link d0 name mv0 type macvlan", "ip -d link show mv0"},
			"macvlan mode vepa bcqueuelen 1000 usedbcqueuelen 1000 ", 0},
		{"bridge", []string{"ip link add link d0 mv0 type macvlan mode bridge", "ip -d link show mv0"},
			"mv0@d0: <BROADCAST,MULTICAST> mtu 1500", 0},
		{"macvtap passthru nopromisc", []string{"ip link add link d0 name mvt0 type macvtap mode passthru nopromisc", "ip -d link show mvt0"},
			"macvtap mode passthru nopromisc bcqueuelen", 0},
		{"bcqueuelen and bclim", []string{"ip link add link d0 mv0 type macvlan mode bridge bcqueuelen 50 bclim -1", "ip -d link show mv0"},
			"mode bridge bcqueuelen 50 usedbcqueuelen 50 bclim -1 ", 0},
		{"source with remotes", []string{
			"ip link add link d0 mv0 type macvlan mode source macaddr add 02:00:00:00:00:aa",
			"ip link set mv0 type macvlan macaddr add 02:00:00:00:00:bb",
			"ip -d link show mv0"}, "mode source bcqueuelen 1000 usedbcqueuelen 1000 remotes (2) 02:00:00:00:00:aa 02:00:00:00:00:bb ", 0},
		{"source set and nodst", []string{
			"ip link add link d0 mv0 type macvlan mode source nodst macaddr set 02:00:00:00:00:aa 02:00:00:00:00:cc",
			"ip -d link show mv0"}, "mode source nodst bcqueuelen 1000 usedbcqueuelen 1000 remotes (2) ", 0},
		{"source flush", []string{
			"ip link add link d0 mv0 type macvlan mode source macaddr add 02:00:00:00:00:aa",
			"ip link set mv0 type macvlan macaddr flush",
			"ip -d link show mv0"}, "remotes (0) ", 0},
		{"bad mode", []string{"ip link add link d0 mv0 type macvlan mode hub"},
			"Error: argument of \"mode\" must be \"private\", \"vepa\", \"bridge\", \"passthru\" or \"source\", not \"hub\"", 1},
		{"bad flag", []string{"ip link add link d0 mv0 type macvlan flag loud"},
			"Error: argument of \"flag\" must be \"nopromisc\", \"nodst\" or \"null\", not \"loud\"", 1},
		{"nopromisc outside passthru", []string{"ip link add link d0 mv0 type macvlan mode bridge nopromisc"},
			"macvlan: nopromisc flag only valid in passthru mode\nUsage: ... macvlan mode MODE", 1},
		{"nodst outside source", []string{"ip link add link d0 mv0 type macvtap nodst"},
			"macvtap: nodst flag only valid in source mode", 1},
		{"unknown option", []string{"ip link add link d0 mv0 type macvlan loud"},
			"macvlan: unknown option \"loud\"?\nUsage:", 1},
		{"bad bcqueuelen", []string{"ip link add link d0 mv0 type macvlan bcqueuelen -3"},
			"Error: argument of \"bcqueuelen\" must be a positive integer [0-4294967295], not \"-3\"", 1},
		{"bad bclim", []string{"ip link add link d0 mv0 type macvlan bclim x"}, "Error: illegal value for \"bclim\": \"x\"", 1},
		{"mode without value", []string{"ip link add link d0 mv0 type macvlan mode"}, "Command line is not complete", 255},
		{"no link", []string{"ip link add mv0 type macvlan"}, "RTNETLINK answers: Invalid argument", 2},
		{"macaddr outside source", []string{"ip link add link d0 mv0 type macvlan macaddr flush"}, "RTNETLINK answers: Invalid argument", 2},
		{"busy address", []string{
			"ip link add link d0 mv0 address 02:00:00:00:00:10 type macvlan",
			"ip link add link d0 mv1 address 02:00:00:00:00:10 type macvlan",
			"ip link set mv0 up",
			"ip link set mv1 up"}, "ddress already in use", 2}, // extack lacks glibc's capitalised EADDRINUSE text
		{"mtu above lower", []string{"ip link add link d0 mv0 mtu 9000 type macvlan"}, "RTNETLINK answers: Invalid argument", 2},
		{"macvtap default name", []string{"ip link add link d0 type macvtap", "ip link show macvtap0"}, "macvtap0@d0:", 0},
		{"json", []string{"ip link add link d0 mv0 type macvlan mode source macaddr add 02:00:00:00:00:aa", "ip -d -j link show mv0"},
			`"info_kind":"macvlan","info_data":{"mode":"source","bcqueuelen":1000,"usedbcqueuelen":1000,"macaddr_count":1,"macaddr_data":["02:00:00:00:00:aa"]}`, 0},
		{"tapguest", []string{"ip link add link d0 mvt0 type macvtap", "ip link add name vm0 link mvt0 type tapguest", "ip -d link show vm0"},
			"tapguest tap tap3 ", 0},
		{"bad lladdr", []string{"ip link add link d0 mv0 type macvlan macaddr add zz"}, "\"zz\" is invalid lladdr.", 1},
		{"help", []string{"ip link add link d0 mv0 type macvlan help"}, "Usage: ... macvlan mode MODE [flag MODE_FLAG] MODE_OPTS [bcqueuelen BC_QUEUE_LEN]\n\nMODE:", 1},
		{"linux 6.1 text", []string{"ip link add link d0 name mv0 type macvlan", "ip -d link show mv0"},
			"mv0@d0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n" +
				"    link/ether", 0},
		{"maxmtu of the lower", []string{"ip link add link d0 name mv0 type macvlan", "ip -d link show mv0"}, "promiscuity 0  allmulti 0 minmtu 68 maxmtu 0 ", 0},
		{"stacked on a macvlan", []string{"ip link add link d0 mv0 type macvlan", "ip link add link mv0 mv1 type macvlan", "ip link show mv1"}, "mv1@d0:", 0},
		{"lower promiscuity", []string{"ip link add link d0 mv0 type macvlan", "ip link set mv0 up", "ip -d link show d0"}, "promiscuity 1 ", 0},
		{"macvtap qlen", []string{"ip link add link d0 type macvtap", "ip link show macvtap0"}, "qdisc noop state DOWN mode DEFAULT group default qlen 500", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t)
			out, rc := run(t, env, append(setup, tt.lines...)...)
			if rc != tt.rc || !strings.Contains(out, tt.want) {
				t.Fatalf("rc %d, output:\n%s\nwant rc %d and %q", rc, out, tt.rc, tt.want)
			}
		})
	}
}

func FuzzMacvlanArgs(f *testing.F) {
	f.Add("mode source nodst macaddr set 02:00:00:00:00:01 02:00:00:00:00:02 bcqueuelen 10 bclim 3")
	f.Add("mode passthru flag nopromisc")
	f.Add("macaddr del")
	f.Fuzz(func(t *testing.T, line string) {
		parseMacvlan("macvlan", strings.Fields(line))
	})
}
