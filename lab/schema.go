package lab

import "github.com/softnet/softnet/sched/netem"

// Pos is a position in the lab file (1-based line and column).
type Pos struct {
	Line, Col int
}

// Lab is a parsed and validated lab file.
type Lab struct {
	// Name names the lab in the report.
	Name string `json:"name"`
	// Description is free text printed under the name.
	Description string `json:"description,omitempty"`
	// Seed seeds the world's random source (MAC addresses, impairments);
	// 0 means DefaultSeed.
	Seed uint64 `json:"seed,omitempty"`
	// Hosts are the namespaces, in file order.
	Hosts Hosts `json:"hosts"`
	// Links are veth pairs between hosts.
	Links []*Link `json:"links,omitempty"`
	// Probes run one after another once the scripts have run.
	Probes []*Probe `json:"probes,omitempty"`
	// Captures write pcapng files.
	Captures []*Capture `json:"captures,omitempty"`

	// File is the file name used in messages.
	File string `json:"-"`
}

// DefaultSeed seeds labs that do not set one.
const DefaultSeed = 1

// Host is one namespace.
type Host struct {
	// Name is the host's key in the hosts map.
	Name string `json:"-"`
	// Forwarding sets net.ipv4.ip_forward and net.ipv6.conf.all.forwarding
	// to 1 before the script runs.
	Forwarding bool `json:"forwarding,omitempty"`
	// Sysctls are set before the script runs, in file order.
	Sysctls Sysctls `json:"sysctl,omitempty"`
	// Script holds ip, tc and sysctl command lines, run in order after
	// every link exists.
	Script []Line `json:"script,omitempty"`
	Pos    Pos    `json:"-"`
}

// Sysctl is one name = value setting.
type Sysctl struct {
	Name, Value string
	Pos         Pos
}

// Line is one script line with its position.
type Line struct {
	Text string
	Pos  Pos
}

// Link is a veth pair between two hosts.
type Link struct {
	// A and B are the two ends, "host:dev".
	A Endpoint `json:"a"`
	B Endpoint `json:"b"`
	// MTU of both ends; 0 keeps veth's default (1500).
	MTU uint32 `json:"mtu,omitempty"`
	// Impair installs a netem qdisc on one or both ends.
	Impair *Impair `json:"impair,omitempty"`
	Pos    Pos     `json:"-"`
}

// Endpoint is one end of a link: a device in a host.
type Endpoint struct {
	Host, Dev string
	Pos       Pos
}

// String returns "host:dev".
func (e Endpoint) String() string { return e.Host + ":" + e.Dev }

// Impair is a link's impairments. The keys at its top level apply to both
// directions; a_to_b and b_to_a override them key by key for one
// direction (A→B is shaped on A's device, B→A on B's).
type Impair struct {
	ImpairSpec
	AtoB *ImpairSpec `json:"a_to_b,omitempty"`
	BtoA *ImpairSpec `json:"b_to_a,omitempty"`

	// Resolved per-direction netem configurations (nil: none).
	atob, btoa *netem.Config
}

// ImpairSpec is a netem configuration as the lab file writes it.
type ImpairSpec struct {
	Delay         Duration `json:"delay,omitempty"`
	Jitter        Duration `json:"jitter,omitempty"`
	DelayCorr     Percent  `json:"delay_corr,omitempty"`
	Loss          Percent  `json:"loss,omitempty"`
	LossCorr      Percent  `json:"loss_corr,omitempty"`
	Duplicate     Percent  `json:"duplicate,omitempty"`
	DuplicateCorr Percent  `json:"duplicate_corr,omitempty"`
	Reorder       Percent  `json:"reorder,omitempty"`
	ReorderCorr   Percent  `json:"reorder_corr,omitempty"`
	Gap           uint32   `json:"gap,omitempty"`
	Corrupt       Percent  `json:"corrupt,omitempty"`
	CorruptCorr   Percent  `json:"corrupt_corr,omitempty"`
	Rate          Rate     `json:"rate,omitempty"`
	Limit         uint32   `json:"limit,omitempty"`
}

// Config converts the spec to a netem configuration.
func (s *ImpairSpec) Config() netem.Config {
	return netem.Config{
		Limit: s.Limit, Delay: s.Delay.D, Jitter: s.Jitter.D, DelayCorr: s.DelayCorr.Prob(),
		Loss: s.Loss.Prob(), LossCorr: s.LossCorr.Prob(),
		Duplicate: s.Duplicate.Prob(), DuplicateCorr: s.DuplicateCorr.Prob(),
		Reorder: s.Reorder.Prob(), ReorderCorr: s.ReorderCorr.Prob(), Gap: s.Gap,
		Corrupt: s.Corrupt.Prob(), CorruptCorr: s.CorruptCorr.Prob(),
		Rate: s.Rate.BytesPerSec,
	}
}

// isZero reports whether the spec impairs nothing.
func (s *ImpairSpec) isZero() bool { return *s == ImpairSpec{} }

// AtoBConfig returns the netem configuration shaping A→B (on A's device), or nil.
func (i *Impair) AtoBConfig() *netem.Config { return i.atob }

// BtoAConfig returns the netem configuration shaping B→A, or nil.
func (i *Impair) BtoAConfig() *netem.Config { return i.btoa }

// Probe is a measurement with expectations.
type Probe struct {
	// Name names the probe in the report; default "ping FROM→TO".
	Name string `json:"name,omitempty"`
	// Exactly one of Ping and UDP is set.
	Ping *PingProbe `json:"ping,omitempty"`
	UDP  *UDPProbe  `json:"udp,omitempty"`
	// Expect lists what must hold for the lab to pass.
	Expect *Expect `json:"expect,omitempty"`
	Pos    Pos     `json:"-"`
}

// PingProbe is ping's options.
type PingProbe struct {
	From string `json:"from"`
	To   IP     `json:"to"`
	// Count of echo requests (-c); default 5.
	Count int `json:"count,omitempty"`
	// Size of the payload (-s); default 56.
	Size int `json:"size,omitempty"`
	// Interval between requests (-i); default 1s.
	Interval Duration `json:"interval,omitempty"`
	// DF: true is -M do (set DF, never fragment locally), false is -M dont;
	// unset is Linux's default (-M want).
	DF *bool `json:"df,omitempty"`
	// TTL (-t); default 64.
	TTL uint8 `json:"ttl,omitempty"`
	// TOS (-Q).
	TOS uint8 `json:"tos,omitempty"`
	// Src is the source address (-I addr).
	Src IP `json:"src,omitempty"`
	// Dev binds to a device (-I dev).
	Dev string `json:"dev,omitempty"`
	// Wait is how long to wait for replies after the last request (-W);
	// default 2s.
	Wait Duration `json:"wait,omitempty"`
	Pos  Pos      `json:"-"`
}

// UDPProbe is a UDP flow: numbered, timestamped datagrams to a listener on
// the host that owns the destination address.
type UDPProbe struct {
	From string   `json:"from"`
	To   AddrPort `json:"to"`
	// SrcPort is the sending port; default 40000.
	SrcPort uint16 `json:"sport,omitempty"`
	// Src is the source address; default chosen by the route.
	Src IP `json:"src,omitempty"`
	// Count of datagrams; default 100.
	Count int `json:"count,omitempty"`
	// Size of each UDP payload (at least 16); default 64.
	Size int `json:"size,omitempty"`
	// Rate in packets per second ("1000pps"); default 100pps.
	Rate PacketRate `json:"rate,omitempty"`
	// DF as for ping.
	DF *bool `json:"df,omitempty"`
	// TOS of the datagrams.
	TOS uint8 `json:"tos,omitempty"`
	// Wait after the last datagram; default 1s.
	Wait Duration `json:"wait,omitempty"`
	Pos  Pos      `json:"-"`
}

// Expect holds a probe's expectations; unset ones are not checked. A
// comparison without an operator means "==" except for rtt_* and
// latency_*, where it means "<=".
type Expect struct {
	// Received replies (ping) or distinct datagrams (udp).
	Received *Cmp `json:"received,omitempty"`
	// Loss in percent.
	Loss *Cmp `json:"loss,omitempty"`
	// Duplicates received.
	Duplicates *Cmp `json:"duplicates,omitempty"`
	// RTTMin, RTTAvg, RTTMax: ping round-trip times.
	RTTMin *Cmp `json:"rtt_min,omitempty"`
	RTTAvg *Cmp `json:"rtt_avg,omitempty"`
	RTTMax *Cmp `json:"rtt_max,omitempty"`
	// Error is text that one of ping's error lines must contain.
	Error string `json:"error,omitempty"`
	// Errors counts ping's error lines.
	Errors *Cmp `json:"errors,omitempty"`
	// Reorder counts (or, with %, the share of) datagrams arriving after
	// a higher-numbered one (udp).
	Reorder *Cmp `json:"reorder,omitempty"`
	// Latency percentiles of a udp flow.
	LatencyMin *Cmp `json:"latency_min,omitempty"`
	LatencyP50 *Cmp `json:"latency_p50,omitempty"`
	LatencyP99 *Cmp `json:"latency_p99,omitempty"`
	LatencyMax *Cmp `json:"latency_max,omitempty"`
	Pos        Pos  `json:"-"`
}

// Capture writes the packets of one device to a pcapng file.
type Capture struct {
	Host string `json:"host"`
	Dev  string `json:"dev"`
	// Direction is "in", "out" or "both" (default).
	Direction string `json:"direction,omitempty"`
	// File is the output path, relative to RunOptions.OutDir; default
	// "HOST-DEV.pcapng".
	File string `json:"file,omitempty"`
	// Snaplen truncates captured packets; default 262144.
	Snaplen int `json:"snaplen,omitempty"`
	Pos     Pos `json:"-"`
}

type netemConfig = netem.Config
