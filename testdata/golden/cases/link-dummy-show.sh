# One dummy device with a fixed MAC, shown every way (DOWN, then UP).
ip link add d0 address 02:00:00:00:00:01 type dummy
ip link show
ip link show dev d0
ip link show d0
ip -d link show dev d0
ip -s link show dev d0
ip -s -s link show dev d0
ip -s -d link show dev d0
ip -br link
ip -br link show dev d0
ip -j link show dev d0
ip -j -p link show dev d0
ip -d -j link show dev d0
ip link set d0 up
ip link show dev d0
ip -br link show dev d0
ip -j link show dev d0
ip link show up
ip link show type dummy
