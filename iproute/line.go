package iproute

import (
	"fmt"
	"io"
	"strings"

	"github.com/softnet/softnet/netdev"
)

func runLine(env *Env, line string, stdout, stderr io.Writer) int {
	words, err := SplitLine(line)
	if err != nil {
		fmt.Fprintf(stderr, "softnet: %v\n", err)
		return 1
	}
	if len(words) == 0 {
		return 0
	}
	switch words[0] {
	case "ip":
		return IP(env, words[1:], stdout, stderr)
	case "tc":
		return TC(env, words[1:], stdout, stderr)
	case "sysctl":
		return sysctl(env, env.NS, words[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "softnet: %s: command not found\n", words[0])
	return 127
}

// SplitLine splits a script line into words with shell-like quoting:
// single and double quotes, backslash escapes, and # starting a comment at
// the beginning of a word.
func SplitLine(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '#' && !inWord:
			return words, nil
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated quote")
			}
			cur.WriteString(line[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\"\\$`", line[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(line[i])
			}
			if i >= len(line) {
				return nil, fmt.Errorf("unterminated quote")
			}
			inWord = true
		case c == '\\':
			if i+1 < len(line) {
				i++
				cur.WriteByte(line[i])
			}
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// sysctl runs "sysctl [-w] [-q] k=v | k" through netdev's registry, writing
// "k = v" as procps does.
func sysctl(env *Env, ns *netdev.Namespace, args []string, stdout, stderr io.Writer) int {
	if ns == nil && env.World != nil {
		ns = env.World.Init()
	}
	quiet := false
	rc := 0
	for _, a := range args {
		switch {
		case a == "-w":
			continue
		case a == "-q":
			quiet = true
			continue
		case strings.HasPrefix(a, "-"):
			fmt.Fprintf(stderr, "sysctl: unknown option %q\n", a)
			return 1
		}
		k, v, set := strings.Cut(a, "=")
		k = strings.ReplaceAll(strings.TrimSpace(k), "/", ".")
		if ns == nil {
			return 1
		}
		if set {
			v = strings.TrimSpace(v)
			if err := ns.SetSysctl(k, v); err != nil {
				fmt.Fprintf(stderr, "sysctl: %s\n", sysctlErr(k, err))
				rc = 255
				continue
			}
			if !quiet {
				fmt.Fprintf(stdout, "%s = %s\n", k, v)
			}
			continue
		}
		got, err := ns.GetSysctl(k)
		if err != nil {
			fmt.Fprintf(stderr, "sysctl: %s\n", sysctlErr(k, err))
			rc = 255
			continue
		}
		fmt.Fprintf(stdout, "%s = %s\n", k, got)
	}
	return rc
}

func sysctlErr(k string, err error) string {
	return fmt.Sprintf("cannot stat /proc/sys/%s: %v", strings.ReplaceAll(k, ".", "/"), err)
}
