package io.jvmm.cli;

import java.io.PrintStream;
import java.util.List;

/** Docker's plain tables: columns left-aligned, three spaces apart, no trailing blanks. */
final class Table {
    private Table() {}

    /** Prints {@code rows} (the first one is the header); every row has the same number of cells. */
    static void print(PrintStream out, List<String[]> rows) {
        int columns = rows.getFirst().length;
        int[] width = new int[columns];
        for (String[] row : rows) for (int i = 0; i < columns; i++) width[i] = Math.max(width[i], row[i].length());
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(row[i]);
                if (i < columns - 1) line.append(" ".repeat(width[i] - row[i].length() + 3));
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }
}
