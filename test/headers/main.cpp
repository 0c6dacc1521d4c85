// The program that links every single-header translation unit; it only has to build and run.
int main() { return 0; }
