abstract class Shape {
    abstract double area();

    double doubled() {
        return area() * 2;
    }
}

class Square extends Shape {
    double area() {
        return 4;
    }
}

class Circle extends Shape {
    double area() {
        return 3;
    }
}

class Ring extends Circle {
    double area() {
        return 1;
    }
}

class Report {
    double total(Shape s, Circle c) {
        return s.area() + c.area();
    }
}
