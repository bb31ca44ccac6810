package main

type Repo struct{}

func (r *Repo) Save() {}

type Mailer struct{}

func (m *Mailer) Save() {}

type Inner struct{ repo *Repo }

type Outer struct {
	*Inner
	name string
}

func (o *Outer) Store() { o.repo.Save() }

func main() {
	o := &Outer{Inner: &Inner{repo: &Repo{}}}
	o.Store()
}
