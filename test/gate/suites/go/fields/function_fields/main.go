package main

func fee(x int) int { return x / 100 }

type Pricer struct {
	rule func(int) int
}

func (p *Pricer) Price(x int) int { return p.rule(x) }

func main() {
	p := &Pricer{rule: fee}
	p.Price(3)
}
