package io.tether.lab;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A PNG of every detected cell: a bar for the measured detection time and a tick for its limit
 * (bound + slack), green when it passed and red when it failed. Plain Java2D, headless.
 */
final class Chart {
    private static final int ROW = 16;
    private static final int LABEL = 330;
    private static final int PLOT = 520;

    private Chart() {
    }

    /** Writes the chart; returns false (and writes nothing) when Java2D cannot render here. */
    static boolean write(List<CellResult> results, Timings t, Path file) {
        System.setProperty("java.awt.headless", "true");
        List<CellResult> rows = new ArrayList<>();
        long max = 1;
        for (CellResult c : results) {
            if (c.closed() || c.expected().kind() == Expected.Kind.DETECT) {
                rows.add(c);
                max = Math.max(max, Math.max(c.detectMs(), c.limitMs(t)));
            }
        }
        try {
            int h = 40 + rows.size() * ROW + 30;
            BufferedImage img = new BufferedImage(LABEL + PLOT + 30, h, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), h);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.setColor(Color.BLACK);
            g.drawString("detection time (bar) vs limit = bound + slack (black tick); seconds", 10, 18);
            double scale = PLOT / (double) max;
            int y = 40;
            for (CellResult c : rows) {
                g.setColor(Color.BLACK);
                g.drawString(c.scenario().number() + " " + c.scenario().title() + " / " + c.liveness().label(), 6, y + 11);
                if (c.closed()) {
                    g.setColor(c.pass() ? new Color(60, 160, 80) : new Color(200, 50, 50));
                    g.fillRect(LABEL, y + 2, (int) Math.max(1, c.detectMs() * scale), ROW - 4);
                }
                if (c.limitMs(t) > 0) {
                    int x = LABEL + (int) (c.limitMs(t) * scale);
                    g.setColor(Color.BLACK);
                    g.setStroke(new BasicStroke(2));
                    g.drawLine(x, y, x, y + ROW);
                }
                y += ROW;
            }
            g.setColor(Color.GRAY);
            for (long s = 0; s <= max; s += 1000) {
                int x = LABEL + (int) (s * scale);
                g.drawLine(x, y + 2, x, y + 6);
                g.drawString(String.valueOf(s / 1000), x - 3, y + 18);
            }
            g.dispose();
            return ImageIO.write(img, "png", file.toFile());
        } catch (Throwable e) {
            // Headless font or graphics support can be missing on minimal images; the report still has the tables.
            return false;
        }
    }
}
