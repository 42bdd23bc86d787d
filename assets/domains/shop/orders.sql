-- Lumen & Loom order database (demo data, all people and addresses are fictional).
-- Load with: sqlite3 orders.db < orders.sql   (also runs on :memory:)
-- Money is stored in euro cents (integers). Dates are ISO YYYY-MM-DD.
-- The rows are written for a reference date ('now') of 2026-03-16, a Monday; tests should fix
-- the clock to that day. On that day: processing orders can be cancelled or changed,
-- dispatched ones cannot, delivered ones within 30 days can be returned or exchanged.
--
-- Test handles (reference date 2026-03-16):
--   processing : 10482 10517 10523 10530 10541(monogram) 10544 10550
--   dispatched : 10455 10468 10471 10476 10479 10486
--   delivered, returnable   : 10391 10396 10402 10415 10420 10433 10438(window ends 2026-03-21) 10356 10366(return in transit)
--   delivered, window closed: 10310 10325
--   cancelled  : 10447(refund completed) 10462(invoice, nothing to refund) 10509(refund issued)
--   returned   : 10288(refund completed) 10299(refund completed) 10350(refund: return being checked)
--   unknown    : any other five-digit number, e.g. 12345
--   out of stock: LL-1042 blue 200x220, LL-2105 red m, LL-2001 black s, LL-1215 red,
--                 LL-2304 green xs, LL-2210 pink m, LL-1320 yellow

PRAGMA foreign_keys = ON;
BEGIN TRANSACTION;

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES
    ('reference_date', '2026-03-16'),
    ('currency', 'EUR'),
    ('return_window_days', '30'),
    ('damage_report_days', '14'),
    ('reschedule_max_days', '14'),
    ('refund_check_working_days', '5'),
    ('refund_transfer_working_days', '3-5'),
    ('eu_return_label_cents', '595'),
    ('dispatch_cutoff', '14:00'),
    ('shipping_de_cents', '490'),
    ('free_shipping_de_from_cents', '5000'),
    ('shipping_eu_cents', '990'),
    ('free_shipping_eu_from_cents', '10000'),
    ('express_de_cents', '1290'),
    ('express_eu_cents', '2490'),
    ('gift_wrap_cents', '390'),
    ('monogram_cents', '600'),
    ('service_phone', '+49 341 555 0190'),
    ('service_email', 'service@lumenloom.example');

CREATE TABLE customers (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    email    TEXT NOT NULL UNIQUE,
    phone    TEXT,
    country  TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('en', 'zh', 'de'))
);
INSERT INTO customers (id, name, email, phone, country, language) VALUES
    (1, 'Anna Schmidt', 'anna.schmidt@example.com', '+49 30 5550 1187', 'germany', 'en'),
    (2, 'Lukas Weber', 'lukas.weber@example.com', '+49 40 5550 2291', 'germany', 'en'),
    (3, 'Sophie Dubois', 'sophie.dubois@example.com', '+33 4 55 50 31 20', 'france', 'en'),
    (4, 'Marco Rossi', 'marco.rossi@example.com', '+39 02 5550 4412', 'italy', 'en'),
    (5, 'Li Wei', 'li.wei@example.com', '+49 89 5550 6630', 'germany', 'zh'),
    (6, 'Wang Fang', 'wang.fang@example.com', '+49 69 5550 7714', 'germany', 'zh'),
    (7, 'Emma de Vries', 'emma.devries@example.com', '+31 30 555 0842', 'netherlands', 'en'),
    (8, 'Jonas Becker', 'jonas.becker@example.com', '+49 341 5550 9903', 'germany', 'en'),
    (9, 'Chen Jing', 'chen.jing@example.com', '+43 1 5550 1208', 'austria', 'zh'),
    (10, 'Lucía García', 'lucia.garcia@example.com', '+34 91 555 0319', 'spain', 'en'),
    (11, 'Katarzyna Nowak', 'katarzyna.nowak@example.com', '+48 12 555 0427', 'poland', 'en'),
    (12, 'Zhang Min', 'zhang.min@example.com', '+33 1 55 50 52 36', 'france', 'zh'),
    (13, 'Julia Hoffmann', 'julia.hoffmann@example.com', '+49 221 5550 6645', 'germany', 'en');

CREATE TABLE products (
    code        TEXT PRIMARY KEY CHECK (code GLOB 'LL-[0-9][0-9][0-9][0-9]'),
    name_en     TEXT NOT NULL,
    name_zh     TEXT NOT NULL,
    category    TEXT NOT NULL CHECK (category IN ('bedding', 'bath', 'home', 'table', 'clothing')),
    colors      TEXT NOT NULL,          -- comma-separated canonical colour values
    sizes       TEXT NOT NULL,          -- comma-separated canonical size values
    price_cents INTEGER NOT NULL,       -- lowest price over all sizes
    monogram_ok INTEGER NOT NULL CHECK (monogram_ok IN (0, 1))
);
INSERT INTO products (code, name_en, name_zh, category, colors, sizes, price_cents, monogram_ok) VALUES
    ('LL-1042', 'stonewashed linen duvet cover', '石洗亚麻被套', 'bedding', 'white,grey,beige,blue,green', '135x200,155x220,200x220', 11900, 0),
    ('LL-1043', 'linen pillowcase', '亚麻枕套', 'bedding', 'white,grey,beige,blue,green', '40x80,80x80', 2400, 1),
    ('LL-1050', 'cotton percale fitted sheet', '纯棉府绸床笠', 'bedding', 'white,grey', '90x200,140x200,180x200', 3900, 0),
    ('LL-1107', 'organic cotton waffle bath towel', '有机棉华夫格浴巾', 'bath', 'white,grey,pink,green', '70x140', 3200, 1),
    ('LL-1108', 'organic cotton waffle hand towel', '有机棉华夫格毛巾', 'bath', 'white,grey,pink,green', '50x100', 1800, 1),
    ('LL-1215', 'merino wool throw', '美利奴羊毛盖毯', 'home', 'grey,beige,blue,red', '130x170', 14900, 0),
    ('LL-1301', 'linen tablecloth', '亚麻桌布', 'table', 'white,beige,grey', '140x220', 6900, 0),
    ('LL-1320', 'linen napkins, set of 4', '亚麻餐巾四件套', 'table', 'white,beige,grey,green,yellow', 'one_size', 3400, 0),
    ('LL-1410', 'waffle bathrobe', '华夫格浴袍', 'bath', 'white,grey', 's,m,l', 8900, 1),
    ('LL-1502', 'linen cushion cover', '亚麻靠垫套', 'home', 'beige,blue,green,yellow,pink', '50x50', 2900, 0),
    ('LL-2001', 'women''s linen shirt', '女士亚麻衬衫', 'clothing', 'white,blue,beige,black', 'xs,s,m,l,xl', 7900, 0),
    ('LL-2002', 'men''s linen shirt', '男士亚麻衬衫', 'clothing', 'white,blue,beige,green', 's,m,l,xl,xxl', 7900, 0),
    ('LL-2105', 'merino crew-neck jumper', '美利奴圆领毛衣', 'clothing', 'grey,blue,red,black', 's,m,l,xl', 11900, 0),
    ('LL-2210', 'cotton pyjama set', '纯棉睡衣套装', 'clothing', 'blue,pink,grey', 'xs,s,m,l,xl', 6900, 0),
    ('LL-2304', 'linen wide-leg trousers', '亚麻阔腿裤', 'clothing', 'black,beige,green', 'xs,s,m,l,xl', 8900, 0),
    ('LL-2400', 'merino wool scarf', '美利奴羊毛围巾', 'clothing', 'grey,red,blue,beige', 'one_size', 4900, 0);

CREATE TABLE stock (
    product_code TEXT NOT NULL REFERENCES products (code),
    color        TEXT NOT NULL,
    size         TEXT NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity >= 0),
    price_cents  INTEGER NOT NULL CHECK (price_cents > 0),
    PRIMARY KEY (product_code, color, size)
);
INSERT INTO stock (product_code, color, size, quantity, price_cents) VALUES
    ('LL-1042', 'white', '135x200', 19, 11900),
    ('LL-1042', 'white', '155x220', 13, 13900),
    ('LL-1042', 'white', '200x220', 26, 17900),
    ('LL-1042', 'grey', '135x200', 7, 11900),
    ('LL-1042', 'grey', '155x220', 25, 13900),
    ('LL-1042', 'grey', '200x220', 23, 17900),
    ('LL-1042', 'beige', '135x200', 35, 11900),
    ('LL-1042', 'beige', '155x220', 29, 13900),
    ('LL-1042', 'beige', '200x220', 22, 17900),
    ('LL-1042', 'blue', '135x200', 14, 11900),
    ('LL-1042', 'blue', '155x220', 6, 13900),
    ('LL-1042', 'blue', '200x220', 0, 17900),
    ('LL-1042', 'green', '135x200', 2, 11900),
    ('LL-1042', 'green', '155x220', 24, 13900),
    ('LL-1042', 'green', '200x220', 14, 17900),
    ('LL-1043', 'white', '40x80', 36, 2400),
    ('LL-1043', 'white', '80x80', 35, 2900),
    ('LL-1043', 'grey', '40x80', 21, 2400),
    ('LL-1043', 'grey', '80x80', 5, 2900),
    ('LL-1043', 'beige', '40x80', 8, 2400),
    ('LL-1043', 'beige', '80x80', 26, 2900),
    ('LL-1043', 'blue', '40x80', 20, 2400),
    ('LL-1043', 'blue', '80x80', 31, 2900),
    ('LL-1043', 'green', '40x80', 34, 2400),
    ('LL-1043', 'green', '80x80', 37, 2900),
    ('LL-1050', 'white', '90x200', 17, 3900),
    ('LL-1050', 'white', '140x200', 17, 4900),
    ('LL-1050', 'white', '180x200', 17, 5900),
    ('LL-1050', 'grey', '90x200', 32, 3900),
    ('LL-1050', 'grey', '140x200', 10, 4900),
    ('LL-1050', 'grey', '180x200', 13, 5900),
    ('LL-1107', 'white', '70x140', 5, 3200),
    ('LL-1107', 'grey', '70x140', 24, 3200),
    ('LL-1107', 'pink', '70x140', 3, 3200),
    ('LL-1107', 'green', '70x140', 28, 3200),
    ('LL-1108', 'white', '50x100', 38, 1800),
    ('LL-1108', 'grey', '50x100', 10, 1800),
    ('LL-1108', 'pink', '50x100', 15, 1800),
    ('LL-1108', 'green', '50x100', 25, 1800),
    ('LL-1215', 'grey', '130x170', 40, 14900),
    ('LL-1215', 'beige', '130x170', 30, 14900),
    ('LL-1215', 'blue', '130x170', 5, 14900),
    ('LL-1215', 'red', '130x170', 0, 14900),
    ('LL-1301', 'white', '140x220', 39, 6900),
    ('LL-1301', 'beige', '140x220', 27, 6900),
    ('LL-1301', 'grey', '140x220', 36, 6900),
    ('LL-1320', 'white', 'one_size', 16, 3400),
    ('LL-1320', 'beige', 'one_size', 11, 3400),
    ('LL-1320', 'grey', 'one_size', 17, 3400),
    ('LL-1320', 'green', 'one_size', 5, 3400),
    ('LL-1320', 'yellow', 'one_size', 0, 3400),
    ('LL-1410', 'white', 's', 16, 8900),
    ('LL-1410', 'white', 'm', 7, 8900),
    ('LL-1410', 'white', 'l', 36, 8900),
    ('LL-1410', 'grey', 's', 17, 8900),
    ('LL-1410', 'grey', 'm', 24, 8900),
    ('LL-1410', 'grey', 'l', 38, 8900),
    ('LL-1502', 'beige', '50x50', 22, 2900),
    ('LL-1502', 'blue', '50x50', 15, 2900),
    ('LL-1502', 'green', '50x50', 16, 2900),
    ('LL-1502', 'yellow', '50x50', 16, 2900),
    ('LL-1502', 'pink', '50x50', 33, 2900),
    ('LL-2001', 'white', 'xs', 18, 7900),
    ('LL-2001', 'white', 's', 19, 7900),
    ('LL-2001', 'white', 'm', 14, 7900),
    ('LL-2001', 'white', 'l', 6, 7900),
    ('LL-2001', 'white', 'xl', 34, 7900),
    ('LL-2001', 'blue', 'xs', 14, 7900),
    ('LL-2001', 'blue', 's', 18, 7900),
    ('LL-2001', 'blue', 'm', 22, 7900),
    ('LL-2001', 'blue', 'l', 10, 7900),
    ('LL-2001', 'blue', 'xl', 38, 7900),
    ('LL-2001', 'beige', 'xs', 33, 7900),
    ('LL-2001', 'beige', 's', 20, 7900),
    ('LL-2001', 'beige', 'm', 22, 7900),
    ('LL-2001', 'beige', 'l', 27, 7900),
    ('LL-2001', 'beige', 'xl', 40, 7900),
    ('LL-2001', 'black', 'xs', 29, 7900),
    ('LL-2001', 'black', 's', 0, 7900),
    ('LL-2001', 'black', 'm', 29, 7900),
    ('LL-2001', 'black', 'l', 26, 7900),
    ('LL-2001', 'black', 'xl', 34, 7900),
    ('LL-2002', 'white', 's', 40, 7900),
    ('LL-2002', 'white', 'm', 19, 7900),
    ('LL-2002', 'white', 'l', 18, 7900),
    ('LL-2002', 'white', 'xl', 14, 7900),
    ('LL-2002', 'white', 'xxl', 22, 7900),
    ('LL-2002', 'blue', 's', 25, 7900),
    ('LL-2002', 'blue', 'm', 29, 7900),
    ('LL-2002', 'blue', 'l', 16, 7900),
    ('LL-2002', 'blue', 'xl', 35, 7900),
    ('LL-2002', 'blue', 'xxl', 2, 7900),
    ('LL-2002', 'beige', 's', 4, 7900),
    ('LL-2002', 'beige', 'm', 15, 7900),
    ('LL-2002', 'beige', 'l', 35, 7900),
    ('LL-2002', 'beige', 'xl', 25, 7900),
    ('LL-2002', 'beige', 'xxl', 8, 7900),
    ('LL-2002', 'green', 's', 19, 7900),
    ('LL-2002', 'green', 'm', 31, 7900),
    ('LL-2002', 'green', 'l', 26, 7900),
    ('LL-2002', 'green', 'xl', 34, 7900),
    ('LL-2002', 'green', 'xxl', 37, 7900),
    ('LL-2105', 'grey', 's', 5, 11900),
    ('LL-2105', 'grey', 'm', 14, 11900),
    ('LL-2105', 'grey', 'l', 4, 11900),
    ('LL-2105', 'grey', 'xl', 31, 11900),
    ('LL-2105', 'blue', 's', 36, 11900),
    ('LL-2105', 'blue', 'm', 5, 11900),
    ('LL-2105', 'blue', 'l', 7, 11900),
    ('LL-2105', 'blue', 'xl', 40, 11900),
    ('LL-2105', 'red', 's', 16, 11900),
    ('LL-2105', 'red', 'm', 0, 11900),
    ('LL-2105', 'red', 'l', 1, 11900),
    ('LL-2105', 'red', 'xl', 36, 11900),
    ('LL-2105', 'black', 's', 9, 11900),
    ('LL-2105', 'black', 'm', 19, 11900),
    ('LL-2105', 'black', 'l', 38, 11900),
    ('LL-2105', 'black', 'xl', 25, 11900),
    ('LL-2210', 'blue', 'xs', 32, 6900),
    ('LL-2210', 'blue', 's', 33, 6900),
    ('LL-2210', 'blue', 'm', 28, 6900),
    ('LL-2210', 'blue', 'l', 31, 6900),
    ('LL-2210', 'blue', 'xl', 19, 6900),
    ('LL-2210', 'pink', 'xs', 25, 6900),
    ('LL-2210', 'pink', 's', 20, 6900),
    ('LL-2210', 'pink', 'm', 0, 6900),
    ('LL-2210', 'pink', 'l', 21, 6900),
    ('LL-2210', 'pink', 'xl', 8, 6900),
    ('LL-2210', 'grey', 'xs', 27, 6900),
    ('LL-2210', 'grey', 's', 14, 6900),
    ('LL-2210', 'grey', 'm', 40, 6900),
    ('LL-2210', 'grey', 'l', 13, 6900),
    ('LL-2210', 'grey', 'xl', 6, 6900),
    ('LL-2304', 'black', 'xs', 20, 8900),
    ('LL-2304', 'black', 's', 37, 8900),
    ('LL-2304', 'black', 'm', 17, 8900),
    ('LL-2304', 'black', 'l', 15, 8900),
    ('LL-2304', 'black', 'xl', 8, 8900),
    ('LL-2304', 'beige', 'xs', 22, 8900),
    ('LL-2304', 'beige', 's', 23, 8900),
    ('LL-2304', 'beige', 'm', 22, 8900),
    ('LL-2304', 'beige', 'l', 25, 8900),
    ('LL-2304', 'beige', 'xl', 18, 8900),
    ('LL-2304', 'green', 'xs', 0, 8900),
    ('LL-2304', 'green', 's', 24, 8900),
    ('LL-2304', 'green', 'm', 35, 8900),
    ('LL-2304', 'green', 'l', 33, 8900),
    ('LL-2304', 'green', 'xl', 22, 8900),
    ('LL-2400', 'grey', 'one_size', 27, 4900),
    ('LL-2400', 'red', 'one_size', 19, 4900),
    ('LL-2400', 'blue', 'one_size', 32, 4900),
    ('LL-2400', 'beige', 'one_size', 11, 4900);

CREATE TABLE orders (
    id                INTEGER PRIMARY KEY CHECK (id BETWEEN 10000 AND 99999),
    customer_id       INTEGER NOT NULL REFERENCES customers (id),
    status            TEXT NOT NULL CHECK (status IN ('processing', 'dispatched', 'delivered', 'cancelled', 'returned')),
    order_date        TEXT NOT NULL,
    dispatch_date     TEXT,             -- NULL until dispatched
    expected_delivery TEXT,             -- NULL for cancelled orders
    delivered_date    TEXT,             -- NULL until delivered
    cancelled_date    TEXT,
    shipping_method   TEXT NOT NULL CHECK (shipping_method IN ('standard', 'express')),
    recipient         TEXT NOT NULL,
    address           TEXT NOT NULL,    -- street, postcode and city
    country           TEXT NOT NULL,    -- canonical country slot value
    payment_method    TEXT NOT NULL CHECK (payment_method IN ('card', 'paypal', 'apple_pay', 'alipay', 'invoice', 'instalments')),
    goods_cents       INTEGER NOT NULL,
    shipping_cents    INTEGER NOT NULL,
    gift_wrap_cents   INTEGER NOT NULL DEFAULT 0,
    total_cents       INTEGER NOT NULL,
    carrier           TEXT NOT NULL DEFAULT 'DHL',
    tracking_number   TEXT
);
CREATE TABLE order_items (
    order_id         INTEGER NOT NULL REFERENCES orders (id),
    line             INTEGER NOT NULL,
    product_code     TEXT NOT NULL REFERENCES products (code),
    color            TEXT NOT NULL,
    size             TEXT NOT NULL,
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_cents INTEGER NOT NULL,  -- includes 600 for a monogram
    monogram         TEXT,              -- initials; monogrammed items cannot be returned
    PRIMARY KEY (order_id, line),
    FOREIGN KEY (product_code, color, size) REFERENCES stock (product_code, color, size)
);
INSERT INTO orders (id, customer_id, status, order_date, dispatch_date, expected_delivery, delivered_date, cancelled_date, shipping_method, recipient, address, country, payment_method, goods_cents, shipping_cents, gift_wrap_cents, total_cents, carrier, tracking_number) VALUES
    (10482, 1, 'processing', '2026-03-15', NULL, '2026-03-18', NULL, NULL, 'standard', 'Anna Schmidt', 'Kastanienallee 21, 10435 Berlin', 'germany', 'card', 19700, 0, 0, 19700, 'DHL', NULL),
    (10517, 5, 'processing', '2026-03-16', NULL, '2026-03-18', NULL, NULL, 'standard', 'Li Wei', 'Leopoldstraße 45, 80802 München', 'germany', 'paypal', 11900, 0, 0, 11900, 'DHL', NULL),
    (10523, 3, 'processing', '2026-03-16', NULL, '2026-03-23', NULL, NULL, 'standard', 'Sophie Dubois', '12 rue des Capucins, 69001 Lyon', 'france', 'card', 14900, 0, 0, 14900, 'DHL', NULL),
    (10530, 6, 'processing', '2026-03-16', NULL, '2026-03-17', NULL, NULL, 'express', 'Wang Fang', 'Berger Straße 118, 60316 Frankfurt am Main', 'germany', 'alipay', 7900, 1290, 0, 9190, 'DHL', NULL),
    (10541, 8, 'processing', '2026-03-12', NULL, '2026-03-19', NULL, NULL, 'standard', 'Jonas Becker', 'Karl-Liebknecht-Straße 88, 04275 Leipzig', 'germany', 'invoice', 7600, 0, 0, 7600, 'DHL', NULL),
    (10544, 7, 'processing', '2026-03-14', NULL, '2026-03-20', NULL, NULL, 'standard', 'Emma de Vries', 'Oudegracht 210, 3511 NR Utrecht', 'netherlands', 'instalments', 8900, 990, 0, 9890, 'DHL', NULL),
    (10550, 10, 'processing', '2026-03-16', NULL, '2026-03-24', NULL, NULL, 'standard', 'Lucía García', 'Calle de Toledo 54, 28005 Madrid', 'spain', 'paypal', 13700, 0, 0, 13700, 'DHL', NULL),
    (10455, 2, 'dispatched', '2026-03-12', '2026-03-13', '2026-03-17', NULL, NULL, 'standard', 'Lukas Weber', 'Eppendorfer Weg 12, 20259 Hamburg', 'germany', 'paypal', 12800, 0, 0, 12800, 'DHL', 'JJD000341550071045'),
    (10468, 4, 'dispatched', '2026-03-11', '2026-03-11', '2026-03-18', NULL, NULL, 'standard', 'Marco Rossi', 'Via Solferino 27, 20121 Milano', 'italy', 'card', 10300, 0, 0, 10300, 'DHL', 'JJD000341550068212'),
    (10471, 9, 'dispatched', '2026-03-12', '2026-03-13', '2026-03-19', NULL, NULL, 'standard', 'Chen Jing', 'Mariahilfer Straße 77, 1060 Wien', 'austria', 'alipay', 6900, 990, 0, 7890, 'DHL', 'JJD000341550071377'),
    (10476, 1, 'dispatched', '2026-03-16', '2026-03-16', '2026-03-17', NULL, NULL, 'express', 'Anna Schmidt', 'Kastanienallee 21, 10435 Berlin', 'germany', 'apple_pay', 5400, 1290, 0, 6690, 'DHL', 'JJD000341550073990'),
    (10479, 13, 'dispatched', '2026-03-12', '2026-03-13', '2026-03-17', NULL, NULL, 'standard', 'Julia Hoffmann', 'Aachener Straße 301, 50931 Köln', 'germany', 'invoice', 4900, 490, 0, 5390, 'DHL', 'JJD000341550071502'),
    (10486, 12, 'dispatched', '2026-03-13', '2026-03-13', '2026-03-17', NULL, NULL, 'express', 'Zhang Min', '8 rue de la Roquette, 75011 Paris', 'france', 'card', 17900, 2490, 0, 20390, 'DHL', 'JJD000341550071788'),
    (10391, 1, 'delivered', '2026-03-02', '2026-03-02', '2026-03-04', '2026-03-04', NULL, 'standard', 'Anna Schmidt', 'Kastanienallee 21, 10435 Berlin', 'germany', 'card', 16800, 0, 0, 16800, 'DHL', 'JJD000341550060114'),
    (10396, 6, 'delivered', '2026-03-05', '2026-03-05', '2026-03-09', '2026-03-09', NULL, 'standard', 'Wang Fang', 'Berger Straße 118, 60316 Frankfurt am Main', 'germany', 'alipay', 4800, 490, 0, 5290, 'DHL', 'JJD000341550062071'),
    (10402, 5, 'delivered', '2026-03-06', '2026-03-06', '2026-03-10', '2026-03-10', NULL, 'standard', 'Li Wei', 'Leopoldstraße 45, 80802 München', 'germany', 'paypal', 23700, 0, 0, 23700, 'DHL', 'JJD000341550062845'),
    (10415, 10, 'delivered', '2026-03-02', '2026-03-03', '2026-03-09', '2026-03-09', NULL, 'standard', 'Lucía García', 'Calle de Toledo 54, 28005 Madrid', 'spain', 'card', 11900, 0, 0, 11900, 'DHL', 'JJD000341550060533'),
    (10420, 12, 'delivered', '2026-03-04', '2026-03-05', '2026-03-11', '2026-03-11', NULL, 'standard', 'Zhang Min', '8 rue de la Roquette, 75011 Paris', 'france', 'alipay', 19800, 0, 390, 20190, 'DHL', 'JJD000341550061902'),
    (10433, 11, 'delivered', '2026-03-05', '2026-03-05', '2026-03-12', '2026-03-12', NULL, 'standard', 'Katarzyna Nowak', 'ul. Długa 15, 31-147 Kraków', 'poland', 'paypal', 5800, 990, 0, 6790, 'DHL', 'JJD000341550062110'),
    (10438, 8, 'delivered', '2026-02-17', '2026-02-17', '2026-02-19', '2026-02-19', NULL, 'standard', 'Jonas Becker', 'Karl-Liebknecht-Straße 88, 04275 Leipzig', 'germany', 'invoice', 8900, 0, 0, 8900, 'DHL', 'JJD000341550051876'),
    (10356, 13, 'delivered', '2026-02-27', '2026-03-04', '2026-03-06', '2026-03-06', NULL, 'standard', 'Julia Hoffmann', 'Aachener Straße 301, 50931 Köln', 'germany', 'invoice', 7400, 0, 0, 7400, 'DHL', 'JJD000341550059940'),
    (10366, 11, 'delivered', '2026-02-23', '2026-02-23', '2026-02-27', '2026-02-27', NULL, 'standard', 'Katarzyna Nowak', 'ul. Długa 15, 31-147 Kraków', 'poland', 'paypal', 6900, 990, 0, 7890, 'DHL', 'JJD000341550055317'),
    (10310, 2, 'delivered', '2026-01-23', '2026-01-23', '2026-01-27', '2026-01-27', NULL, 'standard', 'Lukas Weber', 'Eppendorfer Weg 12, 20259 Hamburg', 'germany', 'card', 14900, 0, 0, 14900, 'DHL', 'JJD000341550041288'),
    (10325, 6, 'delivered', '2026-02-02', '2026-02-02', '2026-02-05', '2026-02-05', NULL, 'standard', 'Wang Fang', 'Berger Straße 118, 60316 Frankfurt am Main', 'germany', 'alipay', 5900, 0, 0, 5900, 'DHL', 'JJD000341550045561'),
    (10447, 4, 'cancelled', '2026-03-09', NULL, NULL, NULL, '2026-03-09', 'standard', 'Marco Rossi', 'Via Solferino 27, 20121 Milano', 'italy', 'card', 7900, 990, 0, 8890, 'DHL', NULL),
    (10462, 9, 'cancelled', '2026-03-10', NULL, NULL, NULL, '2026-03-10', 'standard', 'Chen Jing', 'Mariahilfer Straße 77, 1060 Wien', 'austria', 'invoice', 3400, 990, 0, 4390, 'DHL', NULL),
    (10509, 7, 'cancelled', '2026-03-14', NULL, NULL, NULL, '2026-03-15', 'standard', 'Emma de Vries', 'Oudegracht 210, 3511 NR Utrecht', 'netherlands', 'paypal', 14900, 0, 0, 14900, 'DHL', NULL),
    (10288, 3, 'returned', '2026-01-19', '2026-01-19', '2026-01-26', '2026-01-26', NULL, 'standard', 'Sophie Dubois', '12 rue des Capucins, 69001 Lyon', 'france', 'card', 7900, 990, 0, 8890, 'DHL', 'JJD000341550038803'),
    (10299, 12, 'returned', '2026-02-09', '2026-02-09', '2026-02-13', '2026-02-13', NULL, 'standard', 'Zhang Min', '8 rue de la Roquette, 75011 Paris', 'france', 'alipay', 11900, 0, 0, 11900, 'DHL', 'JJD000341550047120'),
    (10350, 2, 'returned', '2026-02-20', '2026-02-20', '2026-02-24', '2026-02-24', NULL, 'standard', 'Lukas Weber', 'Eppendorfer Weg 12, 20259 Hamburg', 'germany', 'paypal', 16800, 0, 0, 16800, 'DHL', 'JJD000341550053370');

INSERT INTO order_items (order_id, line, product_code, color, size, quantity, unit_price_cents, monogram) VALUES
    (10482, 1, 'LL-1042', 'blue', '155x220', 1, 13900, NULL),
    (10482, 2, 'LL-1043', 'blue', '80x80', 2, 2900, NULL),
    (10517, 1, 'LL-2105', 'grey', 'm', 1, 11900, NULL),
    (10523, 1, 'LL-1215', 'beige', '130x170', 1, 14900, NULL),
    (10530, 1, 'LL-2001', 'white', 's', 1, 7900, NULL),
    (10541, 1, 'LL-1107', 'white', '70x140', 2, 3800, 'JB'),
    (10544, 1, 'LL-2304', 'black', 'm', 1, 8900, NULL),
    (10550, 1, 'LL-1320', 'beige', 'one_size', 2, 3400, NULL),
    (10550, 2, 'LL-1301', 'beige', '140x220', 1, 6900, NULL),
    (10455, 1, 'LL-2002', 'blue', 'l', 1, 7900, NULL),
    (10455, 2, 'LL-2400', 'grey', 'one_size', 1, 4900, NULL),
    (10468, 1, 'LL-1301', 'white', '140x220', 1, 6900, NULL),
    (10468, 2, 'LL-1320', 'white', 'one_size', 1, 3400, NULL),
    (10471, 1, 'LL-2210', 'pink', 's', 1, 6900, NULL),
    (10476, 1, 'LL-1108', 'grey', '50x100', 3, 1800, NULL),
    (10479, 1, 'LL-1050', 'white', '140x200', 1, 4900, NULL),
    (10486, 1, 'LL-1042', 'grey', '200x220', 1, 17900, NULL),
    (10391, 1, 'LL-2001', 'blue', 'm', 1, 7900, NULL),
    (10391, 2, 'LL-2304', 'beige', 'm', 1, 8900, NULL),
    (10396, 1, 'LL-1043', 'beige', '40x80', 2, 2400, NULL),
    (10402, 1, 'LL-1042', 'white', '200x220', 1, 17900, NULL),
    (10402, 2, 'LL-1043', 'white', '80x80', 2, 2900, NULL),
    (10415, 1, 'LL-2105', 'red', 's', 1, 11900, NULL),
    (10420, 1, 'LL-1215', 'grey', '130x170', 1, 14900, NULL),
    (10420, 2, 'LL-2400', 'red', 'one_size', 1, 4900, NULL),
    (10433, 1, 'LL-1502', 'yellow', '50x50', 2, 2900, NULL),
    (10438, 1, 'LL-1410', 'grey', 'm', 1, 8900, NULL),
    (10356, 1, 'LL-1107', 'green', '70x140', 1, 3800, 'JH'),
    (10356, 2, 'LL-1108', 'green', '50x100', 2, 1800, NULL),
    (10366, 1, 'LL-2210', 'blue', 'm', 1, 6900, NULL),
    (10310, 1, 'LL-1215', 'blue', '130x170', 1, 14900, NULL),
    (10325, 1, 'LL-1050', 'grey', '180x200', 1, 5900, NULL),
    (10447, 1, 'LL-2002', 'white', 'xl', 1, 7900, NULL),
    (10462, 1, 'LL-1320', 'grey', 'one_size', 1, 3400, NULL),
    (10509, 1, 'LL-1215', 'blue', '130x170', 1, 14900, NULL),
    (10288, 1, 'LL-2001', 'white', 's', 1, 7900, NULL),
    (10299, 1, 'LL-2105', 'black', 'l', 1, 11900, NULL),
    (10350, 1, 'LL-2304', 'green', 'l', 1, 8900, NULL),
    (10350, 2, 'LL-2002', 'white', 'm', 1, 7900, NULL);

CREATE TABLE returns (
    id           TEXT NOT NULL,         -- return number, e.g. R-7001 (one per return parcel)
    order_id     INTEGER NOT NULL REFERENCES orders (id),
    line         INTEGER NOT NULL,
    product_code TEXT NOT NULL REFERENCES products (code),
    color        TEXT NOT NULL,
    size         TEXT NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    kind         TEXT NOT NULL DEFAULT 'return' CHECK (kind IN ('return', 'exchange')),
    new_color    TEXT,                  -- exchanges only
    new_size     TEXT,                  -- exchanges only
    reason       TEXT,
    created_date TEXT NOT NULL,
    received_date TEXT,                 -- NULL until the parcel reaches the warehouse
    status       TEXT NOT NULL CHECK (status IN ('label_sent', 'in_transit', 'received', 'refunded', 'exchanged')),
    label_cents  INTEGER NOT NULL DEFAULT 0,   -- 595 for returns from outside Germany
    PRIMARY KEY (id, line)
);
INSERT INTO returns (id, order_id, line, product_code, color, size, quantity, kind, new_color, new_size, reason, created_date, received_date, status, label_cents) VALUES
    ('R-7001', 10288, 1, 'LL-2001', 'white', 's', 1, 'return', NULL, NULL, 'too small', '2026-02-09', '2026-02-18', 'refunded', 595),
    ('R-7002', 10299, 1, 'LL-2105', 'black', 'l', 1, 'return', NULL, NULL, 'colour different from the photos', '2026-02-23', '2026-02-27', 'refunded', 595),
    ('R-7003', 10350, 1, 'LL-2304', 'green', 'l', 1, 'return', NULL, NULL, 'changed my mind', '2026-03-06', '2026-03-12', 'received', 0),
    ('R-7003', 10350, 2, 'LL-2002', 'white', 'm', 1, 'return', NULL, NULL, 'changed my mind', '2026-03-06', '2026-03-12', 'received', 0),
    ('R-7004', 10366, 1, 'LL-2210', 'blue', 'm', 1, 'return', NULL, NULL, 'too big', '2026-03-10', NULL, 'in_transit', 595);

CREATE TABLE refunds (
    id             INTEGER PRIMARY KEY,
    order_id       INTEGER NOT NULL REFERENCES orders (id),
    amount_cents   INTEGER NOT NULL,
    method         TEXT NOT NULL,       -- the original payment method
    reason         TEXT NOT NULL CHECK (reason IN ('cancellation', 'return', 'damaged')),
    status         TEXT NOT NULL CHECK (status IN ('checking', 'issued', 'completed')),
                                        -- checking: return received, being checked (up to 5 working days)
                                        -- issued: money sent, arrives in 3 to 5 working days
    created_date   TEXT NOT NULL,
    expected_date  TEXT,                -- latest expected arrival of the money
    completed_date TEXT
);
INSERT INTO refunds (id, order_id, amount_cents, method, reason, status, created_date, expected_date, completed_date) VALUES
    (1, 10447, 8890, 'card', 'cancellation', 'completed', '2026-03-09', '2026-03-13', '2026-03-12'),
    (2, 10509, 14900, 'paypal', 'cancellation', 'issued', '2026-03-15', '2026-03-20', NULL),
    (3, 10288, 8295, 'card', 'return', 'completed', '2026-02-19', '2026-02-25', '2026-02-24'),
    (4, 10299, 11305, 'alipay', 'return', 'completed', '2026-02-27', '2026-03-06', '2026-03-04'),
    (5, 10350, 16800, 'paypal', 'return', 'checking', '2026-03-12', '2026-03-26', NULL);

CREATE INDEX idx_orders_customer ON orders (customer_id);
CREATE INDEX idx_order_items_product ON order_items (product_code);
CREATE INDEX idx_refunds_order ON refunds (order_id);
CREATE INDEX idx_returns_order ON returns (order_id);

COMMIT;
