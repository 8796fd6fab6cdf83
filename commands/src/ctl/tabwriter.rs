//! Go's text/tabwriter as kubectl configures it (github.com/liggitt/tabwriter
//! with minwidth 6, padding 3, space padding and RememberWidths): cells end
//! at a tab, a column is as wide as its widest cell in a block of
//! consecutive lines plus 3, the last cell of a line is not padded, and with
//! RememberWidths a column never shrinks across flushes (watch output keeps
//! its alignment). `describe` uses the plain text/tabwriter instead
//! (minwidth 0, padding 2, nothing remembered).

const MIN_WIDTH: usize = 6;
const PADDING: usize = 3;

#[derive(Debug, Clone, Default)]
struct Cell {
    text: String,
    width: usize,
}

/// A tabwriter that formats into a string.
#[derive(Debug, Default)]
pub struct TabWriter {
    lines: Vec<Vec<Cell>>,
    cell: Cell,
    widths: Vec<usize>,
    max_widths: Vec<usize>,
    out: String,
    min_width: usize,
    padding: usize,
    /// liggitt/tabwriter's RememberWidths: columns never shrink across flushes.
    remember_widths: bool,
}

impl TabWriter {
    pub fn new() -> TabWriter {
        TabWriter {
            lines: vec![Vec::new()],
            min_width: MIN_WIDTH,
            padding: PADDING,
            remember_widths: true,
            ..TabWriter::default()
        }
    }

    /// The plain Go text/tabwriter `describe` uses (minwidth 0, padding 2,
    /// no remembered widths).
    pub fn describe() -> TabWriter {
        TabWriter { lines: vec![Vec::new()], min_width: 0, padding: 2, ..TabWriter::default() }
    }

    fn terminate_cell(&mut self) -> usize {
        let cell = std::mem::take(&mut self.cell);
        let line = self.lines.last_mut();
        match line {
            Some(line) => {
                line.push(cell);
                line.len()
            }
            None => {
                self.lines.push(vec![cell]);
                1
            }
        }
    }

    /// Buffers `text`; complete blocks may be formatted right away.
    pub fn write(&mut self, text: &str) {
        for c in text.chars() {
            match c {
                '\t' | '\u{b}' | '\n' | '\u{c}' => {
                    let cells = self.terminate_cell();
                    if c == '\n' || c == '\u{c}' {
                        self.lines.push(Vec::new());
                        // A line with a single cell ends every column block,
                        // so Go flushes there; with RememberWidths that is
                        // observable, so do the same.
                        if c == '\u{c}' || cells == 1 {
                            self.flush_buffered();
                        }
                    }
                }
                other => {
                    self.cell.text.push(other);
                    self.cell.width += 1;
                }
            }
        }
    }

    fn flush_buffered(&mut self) {
        if !self.cell.text.is_empty() {
            self.terminate_cell();
        }
        let lines = self.lines.len();
        self.format(0, lines);
        self.lines = vec![Vec::new()];
        self.widths.clear();
    }

    /// SetRememberedWidths(nil): kubectl forgets widths between kinds.
    pub fn forget_widths(&mut self) {
        self.max_widths.clear();
    }

    /// Formats everything buffered and returns all output not yet taken.
    pub fn flush(&mut self) -> String {
        self.flush_buffered();
        std::mem::take(&mut self.out)
    }

    fn format(&mut self, mut line0: usize, line1: usize) {
        let column = self.widths.len();
        let mut this = line0;
        while this < line1 {
            if column + 1 >= self.lines[this].len() {
                this += 1;
                continue;
            }
            self.write_lines(line0, this);
            line0 = this;

            let mut width = self.min_width;
            while this < line1 {
                let line = &self.lines[this];
                if column + 1 >= line.len() {
                    break;
                }
                width = width.max(line[column].width + self.padding);
                this += 1;
            }

            if self.remember_widths {
                width = self.remembered(width);
            }

            self.widths.push(width);
            self.format(line0, this);
            self.widths.pop();
            line0 = this;
        }
        self.write_lines(line0, line1);
    }

    /// The width of the current column under RememberWidths: never
    /// narrower than it was in an earlier block.
    fn remembered(&mut self, width: usize) -> usize {
        let depth = self.widths.len();
        if self.max_widths.len() < depth {
            let missing = self.widths[self.max_widths.len()..].to_vec();
            self.max_widths.extend(missing);
        }
        if self.max_widths.len() == depth {
            self.max_widths.push(width);
            width
        } else if self.max_widths[depth] > width {
            self.max_widths[depth]
        } else {
            self.max_widths[depth] = width;
            width
        }
    }

    fn write_lines(&mut self, line0: usize, line1: usize) {
        for i in line0..line1 {
            for (j, cell) in self.lines[i].iter().enumerate() {
                self.out.push_str(&cell.text);
                if let Some(&width) = self.widths.get(j) {
                    self.out.extend(std::iter::repeat_n(' ', width.saturating_sub(cell.width)));
                }
            }
            if i + 1 < self.lines.len() {
                self.out.push('\n');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TabWriter;

    fn format(text: &str) -> String {
        let mut w = TabWriter::new();
        w.write(text);
        w.flush()
    }

    #[test]
    fn aligns_columns_like_go() {
        assert_eq!(
            format("NAME\tAGE\na\t5s\nlonger-name\t3m2s\n"),
            "NAME          AGE\na             5s\nlonger-name   3m2s\n"
        );
        // Minimum width 6 including the padding.
        assert_eq!(format("A\tB\nc\td\n"), "A     B\nc     d\n");
        // Empty trailing cells still pad the column before them.
        assert_eq!(format("A\tB\tC\nx\t\t\n"), "A     B     C\nx           \n");
        // Lines without tabs end the block.
        assert_eq!(format("a\tb\nplain\nlonger\tc\n"), "a     b\nplain\nlonger   c\n");
    }

    #[test]
    fn remembers_widths_across_flushes() {
        let mut w = TabWriter::new();
        w.write("NAME\tAGE\nlong-name-here\t1s\n");
        let first = w.flush();
        w.write("x\t2s\n");
        assert_eq!(first, "NAME             AGE\nlong-name-here   1s\n");
        assert_eq!(w.flush(), "x                2s\n");
    }
}
