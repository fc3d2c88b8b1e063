#include <cstdio>
int main() { std::puts("keyward " KEYWARD_VERSION); return 0; }
