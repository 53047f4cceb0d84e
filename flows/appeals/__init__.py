"""Appeals (申诉, 附表六) and their clocks, the appeal desk, and feedback interviews (面谈)."""
