package netdev

// Features is the netdev features bitset (NETIF_F_* in
// include/linux/netdev_features.h).
type Features uint64

// Feature bits softnet uses.
const (
	FeatSG Features = 1 << iota
	FeatIPCsum
	FeatHWCsum
	FeatIPv6Csum
	FeatHighDMA
	FeatFragList
	FeatVLANTx
	FeatVLANRx
	FeatLLTX
	FeatNetnsLocal
	FeatGRO
	FeatLRO
	FeatTSO
	FeatTSOECN
	FeatTSOMangleID
	FeatTSO6
	FeatGSOIPXIP4
	FeatGSOIPXIP6
	FeatGSOUDPTunnel
	FeatGSOUDPL4
	FeatGSOESP
	FeatHWESP
	FeatHWESPTxCsum
	FeatRxCsum
	FeatHWTC
	FeatLoopback
	FeatGSOSoftware
)

// FeatGSOMask is every segmentation-offload feature.
const FeatGSOMask = FeatTSO | FeatTSOECN | FeatTSOMangleID | FeatTSO6 |
	FeatGSOIPXIP4 | FeatGSOIPXIP6 | FeatGSOUDPTunnel | FeatGSOUDPL4 | FeatGSOESP

// featureNames are ethtool -k names.
var featureNames = map[Features]string{
	FeatSG: "tx-scatter-gather", FeatIPCsum: "tx-checksum-ipv4", FeatHWCsum: "tx-checksum-ip-generic",
	FeatIPv6Csum: "tx-checksum-ipv6", FeatHighDMA: "highdma", FeatFragList: "tx-scatter-gather-fraglist",
	FeatVLANTx: "tx-vlan-hw-insert", FeatVLANRx: "rx-vlan-hw-parse", FeatLLTX: "tx-lockless",
	FeatNetnsLocal: "netns-local", FeatGRO: "generic-receive-offload", FeatLRO: "large-receive-offload",
	FeatTSO: "tx-tcp-segmentation", FeatTSOECN: "tx-tcp-ecn-segmentation",
	FeatTSOMangleID: "tx-tcp-mangleid-segmentation", FeatTSO6: "tx-tcp6-segmentation",
	FeatGSOIPXIP4: "tx-ipxip4-segmentation", FeatGSOIPXIP6: "tx-ipxip6-segmentation",
	FeatGSOUDPTunnel: "tx-udp_tnl-segmentation", FeatGSOUDPL4: "tx-udp-segmentation",
	FeatGSOESP: "tx-esp-segmentation", FeatHWESP: "esp-hw-offload", FeatHWESPTxCsum: "esp-tx-csum-hw-offload",
	FeatRxCsum: "rx-checksum", FeatHWTC: "hw-tc-offload", FeatLoopback: "loopback",
	FeatGSOSoftware: "tx-gso-partial",
}

// Names returns the ethtool names of the set bits, lowest bit first.
func (f Features) Names() []string {
	var out []string
	for bit := Features(1); bit != 0 && bit <= f; bit <<= 1 {
		if f&bit != 0 {
			if n, ok := featureNames[bit]; ok {
				out = append(out, n)
			}
		}
	}
	return out
}
