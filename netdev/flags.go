package netdev

import "strings"

// Flags are the interface flags (IFF_* in include/uapi/linux/if.h).
type Flags uint32

// Interface flags.
const (
	FlagUp           Flags = 0x1
	FlagBroadcast    Flags = 0x2
	FlagDebug        Flags = 0x4
	FlagLoopback     Flags = 0x8
	FlagPointToPoint Flags = 0x10
	FlagNoTrailers   Flags = 0x20
	FlagRunning      Flags = 0x40
	FlagNoARP        Flags = 0x80
	FlagPromisc      Flags = 0x100
	FlagAllMulti     Flags = 0x200
	FlagMaster       Flags = 0x400
	FlagSlave        Flags = 0x800
	FlagMulticast    Flags = 0x1000
	FlagPortSel      Flags = 0x2000
	FlagAutoMedia    Flags = 0x4000
	FlagDynamic      Flags = 0x8000
	FlagLowerUp      Flags = 0x10000
	FlagDormant      Flags = 0x20000
	FlagEcho         Flags = 0x40000
)

// flagNames in the order iproute2 prints them (print_link_flags).
var flagNames = []struct {
	f    Flags
	name string
}{
	{FlagLoopback, "LOOPBACK"}, {FlagBroadcast, "BROADCAST"},
	{FlagPointToPoint, "POINTOPOINT"}, {FlagMulticast, "MULTICAST"},
	{FlagNoARP, "NOARP"}, {FlagAllMulti, "ALLMULTI"}, {FlagPromisc, "PROMISC"},
	{FlagNoTrailers, "NOTRAILERS"}, {FlagDebug, "DEBUG"}, {FlagDynamic, "DYNAMIC"},
	{FlagAutoMedia, "AUTOMEDIA"}, {FlagPortSel, "PORTSEL"}, {FlagMaster, "MASTER"},
	{FlagSlave, "SLAVE"}, {FlagUp, "UP"}, {FlagLowerUp, "LOWER_UP"},
	{FlagDormant, "DORMANT"}, {FlagEcho, "ECHO"},
}

// Names returns the flag names in iproute2's order.
func (f Flags) Names() []string {
	var out []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// String joins the names with commas.
func (f Flags) String() string { return strings.Join(f.Names(), ",") }

// OperState is the RFC 2863 operational state (IF_OPER_*).
type OperState uint8

// Operational states.
const (
	OperUnknown        OperState = 0
	OperNotPresent     OperState = 1
	OperDown           OperState = 2
	OperLowerLayerDown OperState = 3
	OperTesting        OperState = 4
	OperDormant        OperState = 5
	OperUp             OperState = 6
)

var operNames = [...]string{"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"}

// String returns iproute2's name for the state.
func (s OperState) String() string {
	if int(s) < len(operNames) {
		return operNames[s]
	}
	return "UNKNOWN"
}

// Hardware types (ARPHRD_* in include/uapi/linux/if_arp.h).
const (
	ARPHRDEther    uint16 = 1
	ARPHRDTunnel   uint16 = 768 // IPIP
	ARPHRDTunnel6  uint16 = 769
	ARPHRDLoopback uint16 = 772
	ARPHRDSit      uint16 = 776
	ARPHRDIPGRE    uint16 = 778
	ARPHRDNone     uint16 = 0xFFFE
	ARPHRDVoid     uint16 = 0xFFFF
)
