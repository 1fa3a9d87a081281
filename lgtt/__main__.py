"""python -m lgtt"""

from lgtt.cli import main

main()
