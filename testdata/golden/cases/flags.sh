# Global options: -4/-6/-0, -o, -p with -j, long spellings, -h, unknown options/objects.
ip link add d0 address 02:00:00:00:00:01 type dummy
ip link set d0 up
ip addr add 192.0.2.1/24 dev d0
ip -6 addr add 2001:db8::1/64 dev d0
ip -o link
ip -o addr
ip -o -4 addr show dev d0
ip -o -6 addr show dev d0
ip -0 addr show dev d0
ip -family inet addr show dev d0
ip -f inet6 addr show dev d0
ip -details link show dev d0
ip -statistics link show dev d0
ip -brief addr
ip -json addr show dev d0
ip -pretty -json link show dev d0
ip -p link show dev d0
ip -j -s link show dev d0
ip -j -s -s link show dev d0
ip -s -h link show dev d0
ip -iec -s -h link show dev d0
ip -j -br link
ip -z link
ip foo
ip
ip help
ip link help
ip -V
ip l
ip a s d0
ip r
ip n
ip li sh dev d0
