package main

type Fee func(int) int

var registry = map[string]Fee{}

var fixed = map[string]Fee{
	"cash": cash,
}

var steps []Fee

func card(x int) int { return x * 2 }

func cash(x int) int { return x + 1 }

func round(x int) int { return x }

func register(k string, f Fee) { registry[k] = f }

func charge(k string, x int) int {
	if h, ok := fixed[k]; ok {
		return h(x)
	}
	return registry[k](x)
}

func apply(x int) int {
	for _, s := range steps {
		x = s(x)
	}
	return x
}

func main() {
	register("card", card)
	steps = append(steps, round)
	charge("card", 3)
	apply(4)
}
