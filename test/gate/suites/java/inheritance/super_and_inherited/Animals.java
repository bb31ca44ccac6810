class Animal {
    String sound() {
        return "";
    }

    String describe() {
        return sound();
    }

    void breathe() {
    }
}

class Dog extends Animal {
    String sound() {
        return "woof" + super.sound();
    }

    void walk() {
        breathe();
        super.describe();
    }
}

class Kennel {
    void visit(Dog d) {
        d.describe();
        d.sound();
    }
}
