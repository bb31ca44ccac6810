package main

type Base struct{ id int }

func (b *Base) ID() int { return b.id }

func (b *Base) Touch() {}

type Logger struct{}

func (l Logger) Write() {}

type Audited struct {
	Base
	log Logger
}

// overrides the promoted Touch and calls it explicitly
func (a *Audited) Touch() {
	a.Base.Touch()
	a.log.Write()
}

type Other struct{}

func (o Other) ID() int { return 0 }

func main() {
	a := Audited{}
	a.ID()
	a.Touch()
}
