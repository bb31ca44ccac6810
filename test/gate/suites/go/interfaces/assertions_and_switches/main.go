package main

type Saver interface{ Save() }

type Closer interface{ Close() }

type A struct{}

func (a *A) Save() {}

func (a *A) Close() {}

type B struct{}

func (b B) Save() {}

func handle(x any) {
	if s, ok := x.(Saver); ok {
		s.Save()
	}
	switch v := x.(type) {
	case *A:
		v.Close()
	case B:
		v.Save()
	}
}

func main() { handle(&A{}) }
