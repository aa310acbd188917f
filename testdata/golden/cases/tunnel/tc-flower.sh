# clsact + flower: every key softnet has, text and -j, masks per prio, handles, errors.
ip link add d0 address 02:00:00:00:00:01 type dummy
ip link add d1 address 02:00:00:00:00:02 type dummy
ip link set d0 up
ip link set d1 up
tc qdisc add dev d0 clsact
tc filter add dev d0 ingress protocol ip pref 10 flower src_mac 02:00:00:00:00:01 dst_mac 02:00:00:00:00:02/ff:ff:ff:00:00:00 ip_proto tcp src_ip 10.0.0.0/8 dst_ip 192.0.2.1 src_port 80 dst_port 1000-2000 ip_tos 0x10/0xf0 ip_ttl 64 tcp_flags 0x2/0x12 action drop
tc filter add dev d0 ingress protocol ipv6 pref 20 flower ip_proto icmpv6 type 128 code 0 dst_ip 2001:db8::/32 action pass
tc filter add dev d0 ingress protocol ip pref 30 flower skip_hw ip_proto icmp type 8 code 0 action mirred egress mirror dev d1
tc filter add dev d0 ingress protocol 802.1Q pref 40 flower vlan_id 100 vlan_prio 3 vlan_ethtype ip action drop
tc filter add dev d0 ingress protocol ip pref 50 flower enc_key_id 42 enc_src_ip 192.0.2.1 enc_dst_ip 192.0.2.2 enc_dst_port 4789 action pass
tc filter add dev d0 ingress protocol ip pref 60 flower verbose ip_proto udp dst_port 53 action drop
tc filter show dev d0 ingress
tc -j filter show dev d0 ingress
tc filter show dev d0 ingress pref 30
tc filter add dev d0 ingress protocol ip flower skip_sw action drop
tc filter add dev d0 ingress protocol ip flower skip_hw skip_sw action drop
tc filter add dev d0 ingress protocol ip flower src_port 80 action drop
tc filter add dev d0 ingress protocol ip flower ip_proto tcp src_port 80-70 action drop
tc filter add dev d0 ingress protocol ip flower ip_proto tcp bogus action drop
tc filter add dev d0 ingress protocol ip flower type 8 action drop
tc filter add dev d0 ingress protocol all flower ip_proto tcp action drop
tc filter add dev d0 ingress protocol ip flower vlan_id 5 action drop
tc filter add dev d0 ingress protocol ip pref 60 handle 1 flower ip_proto udp dst_port 53 action drop
tc filter add dev d0 ingress protocol ip pref 60 flower ip_proto udp dst_port 53 action drop
tc filter show dev d0 ingress pref 60
tc qdisc add dev d1 clsact
tc filter add dev d1 egress protocol ip pref 1 flower ip_proto tcp dst_port 80 action pass
tc filter add dev d1 egress protocol ip pref 1 flower ip_proto tcp dst_port 443 action pass
tc filter add dev d1 egress protocol ip pref 1 handle 7 flower ip_proto udp src_ip 10.1.0.0/16 action drop
tc filter add dev d1 egress protocol ip pref 1 flower ip_proto tcp src_port 1-1023 dst_ip 10.0.0.0/255.255.0.0 action pass
tc filter add dev d1 egress protocol ipv6 pref 2 flower src_ip 2001:db8::1 dst_ip 2001:db8:1::/48 ip_proto udp src_port 546 ip_ttl 255/0xf0 ip_tos 0xb8 action pass
tc filter add dev d1 egress protocol ip pref 3 flower ip_proto icmp type 3 action drop
tc filter add dev d1 egress protocol ip pref 4 flower ip_proto tcp tcp_flags 0x12 action drop
tc filter add dev d1 egress protocol all pref 5 flower src_mac 02:00:00:00:00:00/ff:ff:ff:ff:ff:00 dst_mac ff:ff:ff:ff:ff:ff action pass
tc filter add dev d1 egress protocol ip pref 6 flower enc_dst_ip 2001:db8::2 enc_src_ip 2001:db8::1/64 enc_key_id 0 enc_dst_port 0 action drop
tc filter add dev d1 egress protocol ip pref 7 chain 3 flower ip_proto sctp dst_port 9 action goto chain 4
tc filter add dev d1 egress pref 8 flower action drop
tc filter add dev d1 egress protocol ip pref 9 flower ip_proto icmp code 4 action drop
tc filter add dev d1 egress protocol ip pref 11 flower ip_proto 0x11 ip_tos 0x10 ip_ttl 0x40/ff action pass
tc filter show dev d1 egress
tc -j filter show dev d1 egress
tc filter get dev d1 egress protocol ip pref 1 handle 7 flower
tc filter del dev d1 egress protocol ip pref 1 handle 7 flower
tc filter show dev d1 egress pref 1
tc filter add dev d1 egress protocol ipv6 pref 10 flower ip_proto 17 src_port 546 action pass
tc filter add dev d1 egress protocol ip pref 10 flower ip_proto tcp ip_ttl 256 action drop
tc filter add dev d1 egress protocol ip pref 10 flower ip_proto tcp ip_ttl 0x40/255 action drop
tc filter add dev d1 egress protocol ip pref 10 flower ip_proto tcp src_ip 10.0.0.1/33 action drop
tc filter add dev d1 egress protocol ip pref 10 flower ip_proto tcp src_ip zz action drop
tc filter add dev d1 egress protocol ip pref 10 flower ip_proto tcp tcp_flags zz action drop
tc filter add dev d1 egress protocol ip pref 10 flower src_mac zz action drop
tc filter add dev d1 egress protocol ip pref 10 flower ip_proto foo action drop
tc filter add dev d1 egress protocol ip pref 10 flower ip_proto udp dst_port 0-70000 action drop
tc filter add dev d1 egress protocol ip pref 10 flower ip_proto udp dst_port 5- action drop
tc filter add dev d1 egress protocol ip pref 10 flower ip_tos 300 action drop
tc filter add dev d1 egress protocol 802.1Q pref 10 flower vlan_id 5000 action drop
tc filter add dev d1 egress protocol 802.1Q pref 10 flower vlan_prio 8 action drop
tc filter add dev d1 egress protocol ip pref 10 flower enc_key_id x action drop
tc filter add dev d1 egress protocol ip pref 10 flower enc_dst_port 70000 action drop
tc filter add dev d1 egress protocol ip pref 10 flower enc_src_ip zz action drop
tc filter add dev d1 egress protocol ip pref 10 flower ip_proto icmp type 300 action drop
tc filter add dev d1 egress protocol ip pref 10 flower ip_proto tcp dst_port 5 dst_port 6 action drop
tc filter show dev d1 egress pref 10
tc filter add dev d1 egress protocol ip pref 12 flower ip_proto udp dst_port 7 action skbedit mark 0x10 pipe action pass
tc filter add dev d1 egress protocol ip pref 13 flower action skbedit mark 5/0xff
tc filter show dev d1 egress pref 12
tc filter show dev d1 egress pref 13
tc -j filter show dev d1 egress pref 13
tc actions add action skbedit mark 7 index 30
tc actions add action skbedit mark 1 index 40 drop
tc actions add action skbedit mark 4294967295
tc actions ls action skbedit
tc -j actions ls action skbedit
tc actions ls action gact
tc actions add action skbedit
tc actions add action skbedit mark
tc actions add action skbedit mark zz
tc actions add action skbedit mark 1/zz
tc actions add action skbedit mark 4294967296
tc actions add action skbedit bogus
tc actions add action skbedit mark 9 index 30
tc actions replace action skbedit mark 9 index 30
tc actions get action skbedit index 30
tc actions del action skbedit index 30
tc actions get action skbedit index 30
