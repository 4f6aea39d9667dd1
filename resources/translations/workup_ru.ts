<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru_RU">
<context>
    <name>AboutDialog</name>
    <message>
        <source>About</source>
        <translation>О программе</translation>
    </message>
    <message>
        <source>Database: %1</source>
        <translation>База данных: %1</translation>
    </message>
    <message>
        <source>Ejaculatory Disorder Workup</source>
        <translation>Обследование при нарушениях эякуляции</translation>
    </message>
    <message>
        <source>This application records the diagnostic workup of retrograde ejaculation and related ejaculatory complaints: what was asked, examined and ordered.

It does not interpret anything. It suggests no diagnosis, flags no value and compares nothing with reference ranges. Every clinical judgement is the clinician&apos;s.</source>
        <translation>Программа фиксирует диагностическое обследование при ретроградной эякуляции и связанных жалобах на нарушения эякуляции: что было спрошено, осмотрено и назначено.

Программа ничего не интерпретирует. Она не предлагает диагнозов, не выделяет и не помечает никакие значения и не сравнивает их с референсными интервалами. Все клинические решения принимает врач.</translation>
    </message>
    <message>
        <source>Version %1</source>
        <translation>Версия %1</translation>
    </message>
</context>
<context>
    <name>AuditEventModel</name>
    <message>
        <source>Addendum signed</source>
        <translation>Дополнение подписано</translation>
    </message>
    <message>
        <source>After</source>
        <translation>После</translation>
    </message>
    <message>
        <source>Amendment opened</source>
        <translation>Открыто дополнение</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>Ответ</translation>
    </message>
    <message>
        <source>Before</source>
        <translation>До</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Изменение</translation>
    </message>
    <message>
        <source>Declined by patient</source>
        <translation>Отказ пациента</translation>
    </message>
    <message>
        <source>Done elsewhere</source>
        <translation>Выполнено в другом месте</translation>
    </message>
    <message>
        <source>Imported</source>
        <translation>Импортировано</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>Пункт</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Язык</translation>
    </message>
    <message>
        <source>Not indicated</source>
        <translation>Нет показаний</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>Назначение</translation>
    </message>
    <message>
        <source>Ordered</source>
        <translation>Назначено</translation>
    </message>
    <message>
        <source>Signed</source>
        <translation>Подписано</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Начато</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Время</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>Кто</translation>
    </message>
    <message>
        <source>Workstation</source>
        <translation>Рабочее место</translation>
    </message>
</context>
<context>
    <name>BackupListModel</name>
    <message>
        <source>%1 MB</source>
        <translation>%1 МБ</translation>
    </message>
    <message>
        <source>After signing</source>
        <translation>После подписания</translation>
    </message>
    <message>
        <source>At start</source>
        <translation>При запуске</translation>
    </message>
    <message>
        <source>Before an upgrade</source>
        <translation>Перед обновлением</translation>
    </message>
    <message>
        <source>By hand</source>
        <translation>Вручную</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>Проверка</translation>
    </message>
    <message>
        <source>Kept before a restore</source>
        <translation>Сохранена перед восстановлением</translation>
    </message>
    <message>
        <source>Made</source>
        <translation>Создана</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Размер</translation>
    </message>
    <message>
        <source>While editing</source>
        <translation>Во время работы</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>Причина</translation>
    </message>
    <message>
        <source>Workups</source>
        <translation>Обследований</translation>
    </message>
    <message>
        <source>passed</source>
        <translation>пройдена</translation>
    </message>
</context>
<context>
    <name>BackupsDialog</name>
    <message>
        <source>Back up now</source>
        <translation>Создать копию сейчас</translation>
    </message>
    <message>
        <source>Backups</source>
        <translation>Резервные копии</translation>
    </message>
    <message>
        <source>Backups folder: %1</source>
        <translation>Папка резервных копий: %1</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Закрыть</translation>
    </message>
    <message>
        <source>Restore…</source>
        <translation>Восстановить…</translation>
    </message>
    <message>
        <source>The application backs up this computer&apos;s database by itself: at start once a day, every half hour while workups are edited and after every signature. Restoring keeps the current database as a backup first.</source>
        <translation>Приложение само создаёт резервные копии базы данных этого компьютера: при запуске раз в сутки, каждые полчаса во время работы с обследованиями и после каждой подписи. Перед восстановлением текущая база данных сохраняется как отдельная резервная копия.</translation>
    </message>
</context>
<context>
    <name>BatchExport</name>
    <message numerus="yes">
        <source>%n summary PDF(s) written to %1.</source>
        <translation>
            <numerusform>%n сводка PDF записана в %1.</numerusform>
            <numerusform>%n сводки PDF записаны в %1.</numerusform>
            <numerusform>%n сводок PDF записано в %1.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n unsigned workup(s) left out.</source>
        <translation>
            <numerusform>%n неподписанное обследование пропущено.</numerusform>
            <numerusform>%n неподписанных обследования пропущены.</numerusform>
            <numerusform>%n неподписанных обследований пропущено.</numerusform>
        </translation>
    </message>
    <message>
        <source>Export PDFs</source>
        <translation>Экспорт PDF</translation>
    </message>
    <message>
        <source>Export stopped. %1.

%2 of %3 summaries were written to %4.</source>
        <translation>Экспорт остановлен. %1.

Записано сводок: %2 из %3, в папку %4.</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Остановить</translation>
    </message>
    <message>
        <source>Stopped after %1 of %2 workups. %3 summaries were written to %4 and are kept.</source>
        <translation>Остановлено после %1 из %2 обследований. Записанные сводки (%3) находятся в %4 и сохранены.</translation>
    </message>
    <message>
        <source>Writing summary PDFs to %1
%2 of %3 workups done, %4 written.</source>
        <translation>Запись сводок PDF в %1
Обработано обследований: %2 из %3, записано: %4.</translation>
    </message>
</context>
<context>
    <name>BatchExportDialog</name>
    <message>
        <source>%1 is not an existing folder.</source>
        <translation>Папка %1 не существует.</translation>
    </message>
    <message>
        <source>Changed since</source>
        <translation>Изменённые с</translation>
    </message>
    <message>
        <source>Choose the folder</source>
        <translation>Выбрать папку</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Выбрать…</translation>
    </message>
    <message>
        <source>Drafts and open addenda are left out.</source>
        <translation>Черновики и открытые дополнения не экспортируются.</translation>
    </message>
    <message>
        <source>Each workup changed on or after that date gets its summary PDF, in the workup&apos;s own language on %1 paper, named encounter-ID.pdf. A file of the same name is replaced.</source>
        <translation>Для каждого обследования, изменённого в этот день или позже, записывается сводка PDF на языке обследования, формат бумаги %1, с именем encounter-ID.pdf. Файл с тем же именем заменяется.</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Экспортировать</translation>
    </message>
    <message>
        <source>Export PDFs</source>
        <translation>Экспорт PDF</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Папка</translation>
    </message>
    <message>
        <source>Folder for the summary PDFs</source>
        <translation>Папка для сводок PDF</translation>
    </message>
    <message>
        <source>No workup was changed on or after %1.</source>
        <translation>Нет обследований, изменённых %1 или позже.</translation>
    </message>
    <message>
        <source>Signed workups only</source>
        <translation>Только подписанные обследования</translation>
    </message>
</context>
<context>
    <name>DateField</name>
    <message>
        <source>%1: today</source>
        <translation>%1: сегодня</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Сегодня</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>ГГГГ-ММ-ДД</translation>
    </message>
    <message>
        <source>YYYY-MM-DD, YYYY-MM or YYYY</source>
        <translation>ГГГГ-ММ-ДД, ГГГГ-ММ или ГГГГ</translation>
    </message>
</context>
<context>
    <name>DateTimeField</name>
    <message>
        <source>YYYY-MM-DD HH:MM</source>
        <translation>ГГГГ-ММ-ДД ЧЧ:ММ</translation>
    </message>
</context>
<context>
    <name>EncounterListModel</name>
    <message>
        <source>Chart number</source>
        <translation>Номер карты</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>Дата рождения</translation>
    </message>
    <message>
        <source>Last change</source>
        <translation>Последнее изменение</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Пациент</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Статус</translation>
    </message>
    <message>
        <source>Workflow</source>
        <translation>Протокол</translation>
    </message>
</context>
<context>
    <name>EncounterListPage</name>
    <message>
        <source>New workup…</source>
        <translation>Новое обследование…</translation>
    </message>
    <message>
        <source>No workup matches “%1”.</source>
        <translation>Не найдено обследований по запросу «%1».</translation>
    </message>
    <message>
        <source>No workups yet: New workup… (Ctrl+N)</source>
        <translation>Обследований пока нет: Новое обследование… (Ctrl+N)</translation>
    </message>
    <message>
        <source>Search by name, chart number or date (YYYY-MM-DD)</source>
        <translation>Поиск по ФИО, номеру карты или дате (ГГГГ-ММ-ДД)</translation>
    </message>
    <message>
        <source>Search workups</source>
        <translation>Поиск обследований</translation>
    </message>
    <message>
        <source>Workups</source>
        <translation>Обследования</translation>
    </message>
</context>
<context>
    <name>ExportPdfDialog</name>
    <message>
        <source>Choose file…</source>
        <translation>Выбрать файл…</translation>
    </message>
    <message>
        <source>Document</source>
        <translation>Документ</translation>
    </message>
    <message>
        <source>Export PDF</source>
        <translation>Экспорт PDF</translation>
    </message>
    <message>
        <source>Include patient instructions</source>
        <translation>Включить памятку для пациента</translation>
    </message>
    <message>
        <source>Language of the PDF</source>
        <translation>Язык PDF</translation>
    </message>
    <message>
        <source>Paper size</source>
        <translation>Формат бумаги</translation>
    </message>
    <message>
        <source>Patient copy (orders and instructions only)</source>
        <translation>Экземпляр пациента (только назначения и памятки)</translation>
    </message>
    <message>
        <source>Summary for the clinical record</source>
        <translation>Сводка для медицинской документации</translation>
    </message>
    <message>
        <source>The workup&apos;s own language is chosen first; choosing another one changes this file only.</source>
        <translation>По умолчанию выбран язык обследования; другой язык меняет только этот файл.</translation>
    </message>
</context>
<context>
    <name>HistoryDialog</name>
    <message>
        <source>History of changes</source>
        <translation>История изменений</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>%1 workup(s)</source>
        <translation>Обследований: %1</translation>
    </message>
    <message>
        <source>%1 workup(s) match “%2”</source>
        <translation>Найдено обследований по запросу «%2»: %1</translation>
    </message>
    <message>
        <source>%1 — Ejaculatory Disorder Workup</source>
        <translation>%1 — Обследование при нарушениях эякуляции</translation>
    </message>
    <message>
        <source>&amp;About</source>
        <translation>&amp;О программе</translation>
    </message>
    <message>
        <source>&amp;Amend…</source>
        <translation>&amp;Дополнить…</translation>
    </message>
    <message>
        <source>&amp;Backups…</source>
        <translation>&amp;Резервные копии…</translation>
    </message>
    <message>
        <source>&amp;Export PDF…</source>
        <translation>&amp;Экспорт PDF…</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Файл</translation>
    </message>
    <message>
        <source>&amp;Find workup</source>
        <translation>&amp;Найти обследование</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Справка</translation>
    </message>
    <message>
        <source>&amp;History of changes…</source>
        <translation>&amp;История изменений…</translation>
    </message>
    <message>
        <source>&amp;New workup…</source>
        <translation>&amp;Новое обследование…</translation>
    </message>
    <message>
        <source>&amp;Previous section</source>
        <translation>&amp;Предыдущий раздел</translation>
    </message>
    <message>
        <source>&amp;Print…</source>
        <translation>Пе&amp;чать…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Выход</translation>
    </message>
    <message>
        <source>&amp;Review and finalize…</source>
        <translation>П&amp;роверить и завершить…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>Н&amp;астройки…</translation>
    </message>
    <message>
        <source>&amp;Workup</source>
        <translation>&amp;Обследование</translation>
    </message>
    <message>
        <source>&amp;Workup list</source>
        <translation>&amp;Список обследований</translation>
    </message>
    <message>
        <source>A marked entry was not saved; correct it</source>
        <translation>Отмеченная запись не сохранена; исправьте её</translation>
    </message>
    <message>
        <source>All changes saved</source>
        <translation>Все изменения сохранены</translation>
    </message>
    <message>
        <source>Backup failed — work goes on; see File → Backups…: %1</source>
        <translation>Резервная копия не создана — работу можно продолжать; см. Файл → Резервные копии…: %1</translation>
    </message>
    <message>
        <source>Backup made: %1</source>
        <translation>Резервная копия создана: %1</translation>
    </message>
    <message>
        <source>Backup restored: %1 workup(s)</source>
        <translation>Резервная копия восстановлена: обследований — %1</translation>
    </message>
    <message>
        <source>Backups</source>
        <translation>Резервные копии</translation>
    </message>
    <message>
        <source>Database: %1</source>
        <translation>База данных: %1</translation>
    </message>
    <message>
        <source>Ejaculatory Disorder Workup</source>
        <translation>Обследование при нарушениях эякуляции</translation>
    </message>
    <message>
        <source>Export &amp;FHIR…</source>
        <translation>Экспорт &amp;FHIR…</translation>
    </message>
    <message>
        <source>Export FHIR</source>
        <translation>Экспорт FHIR</translation>
    </message>
    <message>
        <source>Export P&amp;DFs of many workups…</source>
        <translation>Экспорт P&amp;DF нескольких обследований…</translation>
    </message>
    <message>
        <source>Export PDF</source>
        <translation>Экспорт PDF</translation>
    </message>
    <message>
        <source>Export PDFs</source>
        <translation>Экспорт PDF</translation>
    </message>
    <message>
        <source>FHIR JSON (*.json)</source>
        <translation>FHIR JSON (*.json)</translation>
    </message>
    <message>
        <source>FHIR bundle saved: %1</source>
        <translation>Пакет FHIR сохранён: %1</translation>
    </message>
    <message>
        <source>History of changes</source>
        <translation>История изменений</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>Основная панель</translation>
    </message>
    <message>
        <source>Ne&amp;xt section</source>
        <translation>С&amp;ледующий раздел</translation>
    </message>
    <message numerus="yes">
        <source>Not saved — database server unreachable; %n change(s) waiting</source>
        <translation>
            <numerusform>Не сохранено — сервер базы данных недоступен; ожидает %n изменение</numerusform>
            <numerusform>Не сохранено — сервер базы данных недоступен; ожидают %n изменения</numerusform>
            <numerusform>Не сохранено — сервер базы данных недоступен; ожидают %n изменений</numerusform>
        </translation>
    </message>
    <message>
        <source>Not saved — see the message</source>
        <translation>Не сохранено — см. сообщение</translation>
    </message>
    <message>
        <source>Open workup</source>
        <translation>Открытие обследования</translation>
    </message>
    <message>
        <source>PDF documents (*.pdf)</source>
        <translation>Документы PDF (*.pdf)</translation>
    </message>
    <message>
        <source>PDF saved: %1</source>
        <translation>PDF сохранён: %1</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>Печать</translation>
    </message>
    <message>
        <source>Print preview</source>
        <translation>Предварительный просмотр</translation>
    </message>
    <message>
        <source>Restore backup</source>
        <translation>Восстановление из резервной копии</translation>
    </message>
    <message>
        <source>Restore the backup made %1, holding %2 workup(s)?

The database in use now is kept as a backup of its own first. Workups recorded after this backup will no longer be in the list.</source>
        <translation>Восстановить резервную копию от %1 (обследований: %2)?

Текущая база данных сначала будет сохранена как отдельная резервная копия. Обследования, записанные после создания этой копии, исчезнут из списка.</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Сохранение…</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Настройки</translation>
    </message>
    <message>
        <source>Settings saved</source>
        <translation>Настройки сохранены</translation>
    </message>
    <message>
        <source>Some changes could not be saved. Close anyway and lose them?

Choose No to keep the window open and try again.</source>
        <translation>Некоторые изменения не удалось сохранить. Всё равно закрыть и потерять их?

Выберите «Нет», чтобы оставить окно открытым и повторить попытку.</translation>
    </message>
    <message>
        <source>This workstation uses the clinic server; the server is backed up by the clinic&apos;s IT (workup db backup on the server).</source>
        <translation>Это рабочее место работает с сервером клиники; резервные копии сервера создаёт ИТ-служба клиники.</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>Несохранённые изменения</translation>
    </message>
</context>
<context>
    <name>MissingItemsModel</name>
    <message>
        <source>Yes chosen, details empty</source>
        <translation>выбрано «Да», подробности не указаны</translation>
    </message>
    <message>
        <source>done elsewhere, no date</source>
        <translation>выполнено в другом месте, дата не указана</translation>
    </message>
    <message>
        <source>no decision yet</source>
        <translation>решение не принято</translation>
    </message>
</context>
<context>
    <name>NewWorkupDialog</name>
    <message>
        <source>%1 (version %2)</source>
        <translation>%1 (версия %2)</translation>
    </message>
    <message>
        <source>Chart number</source>
        <translation>Номер карты</translation>
    </message>
    <message>
        <source>Choose a patient from the list, or register a new one.</source>
        <translation>Выберите пациента из списка или зарегистрируйте нового.</translation>
    </message>
    <message>
        <source>Clinician</source>
        <translation>Врач</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>Дата рождения</translation>
    </message>
    <message>
        <source>Enter the clinician&apos;s name.</source>
        <translation>Введите имя врача.</translation>
    </message>
    <message>
        <source>Enter the date of birth as YYYY-MM-DD.</source>
        <translation>Введите дату рождения в виде ГГГГ-ММ-ДД.</translation>
    </message>
    <message>
        <source>Existing patient</source>
        <translation>Пациент из базы</translation>
    </message>
    <message>
        <source>Family name</source>
        <translation>Фамилия</translation>
    </message>
    <message>
        <source>Family name, given name or chart number</source>
        <translation>Фамилия, имя или номер карты</translation>
    </message>
    <message>
        <source>Given name</source>
        <translation>Имя</translation>
    </message>
    <message>
        <source>New patient</source>
        <translation>Новый пациент</translation>
    </message>
    <message>
        <source>New workup</source>
        <translation>Новое обследование</translation>
    </message>
    <message>
        <source>Patients found</source>
        <translation>Найденные пациенты</translation>
    </message>
    <message>
        <source>Search patients</source>
        <translation>Поиск пациентов</translation>
    </message>
    <message>
        <source>Start workup</source>
        <translation>Начать обследование</translation>
    </message>
    <message>
        <source>Workflow</source>
        <translation>Протокол</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>ГГГГ-ММ-ДД</translation>
    </message>
</context>
<context>
    <name>OfflineBanner</name>
    <message numerus="yes">
        <source>%n change(s) of this workup are not saved yet. They stay on screen and are saved as soon as the server answers.</source>
        <translation>
            <numerusform>%n изменение этого обследования ещё не сохранено. Оно остаётся на экране и будет сохранено, как только сервер ответит.</numerusform>
            <numerusform>%n изменения этого обследования ещё не сохранены. Они остаются на экране и будут сохранены, как только сервер ответит.</numerusform>
            <numerusform>%n изменений этого обследования ещё не сохранены. Они остаются на экране и будут сохранены, как только сервер ответит.</numerusform>
        </translation>
    </message>
    <message>
        <source>Last try at %1.</source>
        <translation>Последняя попытка в %1.</translation>
    </message>
    <message>
        <source>Next try at %1.</source>
        <translation>Следующая попытка в %1.</translation>
    </message>
    <message>
        <source>Retry now</source>
        <translation>Повторить сейчас</translation>
    </message>
    <message>
        <source>Retry saving now</source>
        <translation>Повторить сохранение сейчас</translation>
    </message>
    <message>
        <source>The database server is unreachable.</source>
        <translation>Сервер базы данных недоступен.</translation>
    </message>
</context>
<context>
    <name>OrderField</name>
    <message>
        <source>%1: date</source>
        <translation>%1: дата</translation>
    </message>
    <message>
        <source>%1: note</source>
        <translation>%1: примечание</translation>
    </message>
    <message>
        <source>%1: patient instructions</source>
        <translation>%1: памятка для пациента</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Дата</translation>
    </message>
    <message>
        <source>Date done</source>
        <translation>Дата выполнения</translation>
    </message>
    <message>
        <source>Date ordered</source>
        <translation>Дата назначения</translation>
    </message>
    <message>
        <source>Declined by patient</source>
        <translation>Отказ пациента</translation>
    </message>
    <message>
        <source>Done elsewhere</source>
        <translation>Выполнено в другом месте</translation>
    </message>
    <message>
        <source>Not indicated</source>
        <translation>Нет показаний</translation>
    </message>
    <message>
        <source>Note for the performer</source>
        <translation>Примечание для исполнителя</translation>
    </message>
    <message>
        <source>Ordered</source>
        <translation>Назначено</translation>
    </message>
    <message>
        <source>Patient instructions</source>
        <translation>Памятка для пациента</translation>
    </message>
    <message>
        <source>Specify / note</source>
        <translation>Уточнение / примечание</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>ГГГГ-ММ-ДД</translation>
    </message>
</context>
<context>
    <name>PatientListModel</name>
    <message>
        <source>born %1</source>
        <translation>дата рождения %1</translation>
    </message>
</context>
<context>
    <name>QAbstractFileIconProvider</name>
    <message>
        <source>%1 File</source>
        <translation>Файл %1</translation>
    </message>
    <message>
        <source>Drive</source>
        <translation>Диск</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Файл</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Папка</translation>
    </message>
    <message>
        <source>Shortcut</source>
        <translation>Ярлык</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Неизвестно</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>&amp;Папка:</translation>
    </message>
    <message>
        <source>File &amp;name:</source>
        <translation>&amp;Имя файла:</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>&amp;Тип файлов:</translation>
    </message>
</context>
<context>
    <name>ReviewDialog</name>
    <message numerus="yes">
        <source>%n more item(s) to look at: orders with no decision and entries to complete. They do not stop signing.</source>
        <translation>
            <numerusform>Ещё %n пункт стоит проверить: назначения без решения и незаполненные поля. Подписанию это не мешает.</numerusform>
            <numerusform>Ещё %n пункта стоит проверить: назначения без решения и незаполненные поля. Подписанию это не мешает.</numerusform>
            <numerusform>Ещё %n пунктов стоит проверить: назначения без решения и незаполненные поля. Подписанию это не мешает.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n required item(s) are not answered yet. Choose one to go to it.</source>
        <translation>
            <numerusform>Не заполнен %n обязательный пункт. Выберите его, чтобы перейти к нему.</numerusform>
            <numerusform>Не заполнены %n обязательных пункта. Выберите пункт, чтобы перейти к нему.</numerusform>
            <numerusform>Не заполнено %n обязательных пунктов. Выберите пункт, чтобы перейти к нему.</numerusform>
        </translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Закрыть</translation>
    </message>
    <message>
        <source>Every required item is answered.</source>
        <translation>Все обязательные пункты заполнены.</translation>
    </message>
    <message>
        <source>Required items not answered</source>
        <translation>Незаполненные обязательные пункты</translation>
    </message>
    <message>
        <source>Review before signing</source>
        <translation>Проверка перед подписью</translation>
    </message>
</context>
<context>
    <name>SectionListModel</name>
    <message numerus="yes">
        <source>%n recorded</source>
        <translation>
            <numerusform>записано: %n</numerusform>
            <numerusform>записано: %n</numerusform>
            <numerusform>записано: %n</numerusform>
        </translation>
    </message>
    <message>
        <source>optional</source>
        <translation>необязательный</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Backups folder</source>
        <translation>Папка резервных копий</translation>
    </message>
    <message>
        <source>Backups kept</source>
        <translation>Хранить копий</translation>
    </message>
    <message>
        <source>Backups kept: %1</source>
        <translation>Хранить копий: %1</translation>
    </message>
    <message>
        <source>Clinic address</source>
        <translation>Адрес клиники</translation>
    </message>
    <message>
        <source>Clinic name</source>
        <translation>Название клиники</translation>
    </message>
    <message>
        <source>Clinic workflows folder</source>
        <translation>Папка протоколов клиники</translation>
    </message>
    <message>
        <source>Database URL</source>
        <translation>Адрес базы данных</translation>
    </message>
    <message>
        <source>Default clinician</source>
        <translation>Врач по умолчанию</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Язык</translation>
    </message>
    <message>
        <source>Local database in the user&apos;s data folder</source>
        <translation>Локальная база в папке данных пользователя</translation>
    </message>
    <message>
        <source>None (shipped workflows only)</source>
        <translation>Нет (только встроенные протоколы)</translation>
    </message>
    <message>
        <source>Paper size</source>
        <translation>Формат бумаги</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Настройки</translation>
    </message>
    <message>
        <source>The backups folder in the user&apos;s data folder</source>
        <translation>Папка резервных копий в папке данных пользователя</translation>
    </message>
    <message>
        <source>The language changes at once. The database and the workflows folder take effect the next time the application is started.</source>
        <translation>Язык меняется сразу. База данных и папка протоколов начинают действовать при следующем запуске программы.</translation>
    </message>
    <message>
        <source>daily</source>
        <translation>по дням</translation>
    </message>
    <message>
        <source>monthly</source>
        <translation>по месяцам</translation>
    </message>
    <message>
        <source>recent</source>
        <translation>последних</translation>
    </message>
    <message>
        <source>weekly</source>
        <translation>по неделям</translation>
    </message>
</context>
<context>
    <name>WelcomeDialog</name>
    <message>
        <source>Clinic address</source>
        <translation>Адрес клиники</translation>
    </message>
    <message>
        <source>Clinic name</source>
        <translation>Название клиники</translation>
    </message>
    <message>
        <source>Default clinician</source>
        <translation>Врач по умолчанию</translation>
    </message>
    <message>
        <source>Ejaculatory Disorder Workup</source>
        <translation>Обследование при нарушениях эякуляции</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>Пропустить</translation>
    </message>
    <message>
        <source>The clinic&apos;s name and address head every summary and instruction page; the default clinician is offered when a new workup is started.</source>
        <translation>Название и адрес клиники печатаются в заголовке каждого заключения и каждой памятки для пациента; врач по умолчанию предлагается при начале нового обследования.</translation>
    </message>
    <message>
        <source>Welcome</source>
        <translation>Добро пожаловать</translation>
    </message>
    <message>
        <source>You can skip this and fill it in later in File → Settings…</source>
        <translation>Этот шаг можно пропустить и заполнить позже: Файл → Настройки…</translation>
    </message>
</context>
<context>
    <name>WorkupView</name>
    <message>
        <source>%1 (version %2)</source>
        <translation>%1 (версия %2)</translation>
    </message>
    <message>
        <source>Addendum %1 (%2): “%3”, opened by %4 on %5</source>
        <translation>Дополнение %1 (%2): «%3», открыл(а) %4, %5</translation>
    </message>
    <message>
        <source>Amend workup</source>
        <translation>Дополнение обследования</translation>
    </message>
    <message>
        <source>Amend…</source>
        <translation>Дополнить…</translation>
    </message>
    <message>
        <source>Changed on another workstation</source>
        <translation>Изменено на другом рабочем месте</translation>
    </message>
    <message>
        <source>Finalize workup</source>
        <translation>Завершение обследования</translation>
    </message>
    <message>
        <source>Finalize…</source>
        <translation>Завершить…</translation>
    </message>
    <message>
        <source>Optional section — hide its items</source>
        <translation>Необязательный раздел — скрыть пункты</translation>
    </message>
    <message>
        <source>Optional section — show its items</source>
        <translation>Необязательный раздел — показать пункты</translation>
    </message>
    <message>
        <source>Reason for the addendum:</source>
        <translation>Причина дополнения:</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>Проверка</translation>
    </message>
    <message>
        <source>Review…</source>
        <translation>Проверить…</translation>
    </message>
    <message>
        <source>Sections</source>
        <translation>Разделы</translation>
    </message>
    <message>
        <source>Show or hide the items of this optional section</source>
        <translation>Показать или скрыть пункты этого необязательного раздела</translation>
    </message>
    <message>
        <source>Sign addendum</source>
        <translation>Подписание дополнения</translation>
    </message>
    <message>
        <source>Sign addendum…</source>
        <translation>Подписать дополнение…</translation>
    </message>
    <message>
        <source>Sign as (your full name). Afterwards the workup cannot be changed:</source>
        <translation>Подписать как (ваши фамилия, имя, отчество). После этого обследование нельзя изменить:</translation>
    </message>
    <message>
        <source>The change was not saved</source>
        <translation>Изменение не сохранено</translation>
    </message>
    <message numerus="yes">
        <source>The database server is unreachable and %n change(s) of this workup are not saved yet. They are still shown and are saved when the server answers.

Retry: try to save them now.
Discard: close the workup and lose these changes.
Cancel: keep the workup open and keep trying.</source>
        <translation>
            <numerusform>Сервер базы данных недоступен, и %n изменение этого обследования ещё не сохранено. Оно остаётся на экране и будет сохранено, когда сервер ответит.

«Повторить» — попытаться сохранить сейчас.
«Отменить изменения» — закрыть обследование и потерять эти изменения.
«Отмена» — оставить обследование открытым и продолжать попытки.</numerusform>
            <numerusform>Сервер базы данных недоступен, и %n изменения этого обследования ещё не сохранены. Они остаются на экране и будут сохранены, когда сервер ответит.

«Повторить» — попытаться сохранить сейчас.
«Отменить изменения» — закрыть обследование и потерять эти изменения.
«Отмена» — оставить обследование открытым и продолжать попытки.</numerusform>
            <numerusform>Сервер базы данных недоступен, и %n изменений этого обследования ещё не сохранены. Они остаются на экране и будут сохранены, когда сервер ответит.

«Повторить» — попытаться сохранить сейчас.
«Отменить изменения» — закрыть обследование и потерять эти изменения.
«Отмена» — оставить обследование открытым и продолжать попытки.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The database server is unreachable and %n change(s) of this workup are not saved yet. This can be done once they are saved; they are tried again automatically, or use Retry now.</source>
        <translation>
            <numerusform>Сервер базы данных недоступен, и %n изменение этого обследования ещё не сохранено. Это действие станет доступно после сохранения; попытки повторяются автоматически, или нажмите «Повторить сейчас».</numerusform>
            <numerusform>Сервер базы данных недоступен, и %n изменения этого обследования ещё не сохранены. Это действие станет доступно после сохранения; попытки повторяются автоматически, или нажмите «Повторить сейчас».</numerusform>
            <numerusform>Сервер базы данных недоступен, и %n изменений этого обследования ещё не сохранены. Это действие станет доступно после сохранения; попытки повторяются автоматически, или нажмите «Повторить сейчас».</numerusform>
        </translation>
    </message>
    <message>
        <source>born %1</source>
        <translation>дата рождения %1</translation>
    </message>
    <message>
        <source>chart %1</source>
        <translation>карта %1</translation>
    </message>
    <message>
        <source>clinician %1</source>
        <translation>врач %1</translation>
    </message>
    <message>
        <source>not signed yet</source>
        <translation>ещё не подписано</translation>
    </message>
    <message>
        <source>read-only; use Amend… to add an addendum</source>
        <translation>только просмотр; чтобы внести дополнение, нажмите «Дополнить…»</translation>
    </message>
    <message>
        <source>signed by %1 on %2</source>
        <translation>подписал(а) %1, %2</translation>
    </message>
</context>
<context>
    <name>YnuButtons</name>
    <message>
        <source>%1: clear the answer</source>
        <translation>%1: очистить ответ</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Очистить</translation>
    </message>
    <message>
        <source>No</source>
        <translation>Нет</translation>
    </message>
    <message>
        <source>Not asked (no answer)</source>
        <translation>Не уточнялось</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Неизвестно</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>Да</translation>
    </message>
</context>
<context>
    <name>YnuDetailsField</name>
    <message>
        <source>%1: details</source>
        <translation>%1: подробности</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Подробности</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <source>Another workstation changed this item (%1). Its value is shown now; enter your change again if it is still needed.</source>
        <translation>Этот пункт изменили на другом рабочем месте (%1). Сейчас показано новое значение; при необходимости внесите своё изменение ещё раз.</translation>
    </message>
    <message>
        <source>Correct the entry and try again.</source>
        <translation>Исправьте запись и повторите попытку.</translation>
    </message>
    <message>
        <source>It may have been removed on another workstation. Refresh the list.</source>
        <translation>Возможно, запись удалили на другом рабочем месте. Обновите список.</translation>
    </message>
    <message>
        <source>Something went wrong (%1). The last action may not have finished; changes saved before it are kept.

Details were written to the log file:
%2</source>
        <translation>Произошла ошибка (%1). Последнее действие могло не завершиться; изменения, сохранённые до него, не потеряны.

Подробности записаны в журнал:
%2</translation>
    </message>
    <message>
        <source>The database cannot be used right now. Check the network connection or the database setting, then try again. What was saved before is kept.</source>
        <translation>База данных сейчас недоступна. Проверьте сетевое подключение или настройку базы данных и повторите попытку. Сохранённое ранее не потеряно.</translation>
    </message>
    <message>
        <source>This workup is signed. Use Amend… to add an addendum with a reason.</source>
        <translation>Это обследование подписано. Чтобы внести дополнение с указанием причины, нажмите «Дополнить…».</translation>
    </message>
    <message>
        <source>Try again; if it keeps happening, tell the clinic&apos;s IT support.</source>
        <translation>Повторите попытку; если ошибка повторяется, обратитесь в ИТ-службу клиники.</translation>
    </message>
    <message>
        <source>Unexpected error</source>
        <translation>Непредвиденная ошибка</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>The database file was left as it is. Check the database setting or ask the clinic&apos;s IT support.</source>
        <translation>Файл базы данных оставлен без изменений. Проверьте настройку базы данных или обратитесь в ИТ-службу клиники.</translation>
    </message>
</context>
<context>
    <name>messages</name>
    <message>
        <source>an amendment needs a reason</source>
        <translation>для дополнения нужна причина</translation>
    </message>
    <message>
        <source>chart number {chart} is already in use</source>
        <translation>номер карты {chart} уже занят</translation>
    </message>
    <message>
        <source>enter the date as YYYY-MM-DD</source>
        <translation>введите дату в виде ГГГГ-ММ-ДД</translation>
    </message>
    <message>
        <source>expects a Yes/No/Unknown answer with details</source>
        <translation>ожидается ответ Да/Нет/Неизвестно с уточнением</translation>
    </message>
    <message>
        <source>expects a date and time as YYYY-MM-DDTHH:MM</source>
        <translation>ожидаются дата и время в виде ГГГГ-ММ-ДДTЧЧ:ММ</translation>
    </message>
    <message>
        <source>expects a date as YYYY-MM-DD</source>
        <translation>ожидается дата в виде ГГГГ-ММ-ДД</translation>
    </message>
    <message>
        <source>expects a list of options</source>
        <translation>ожидается список вариантов</translation>
    </message>
    <message>
        <source>expects a number</source>
        <translation>ожидается число</translation>
    </message>
    <message>
        <source>expects a number written as a string such as &quot;12.5&quot;</source>
        <translation>ожидается число, записанное строкой, например &quot;12.5&quot;</translation>
    </message>
    <message>
        <source>expects an object with &apos;choice&apos; and &apos;details&apos;</source>
        <translation>ожидается объект с полями &apos;choice&apos; и &apos;details&apos;</translation>
    </message>
    <message>
        <source>expects one of {choices}, not {value}</source>
        <translation>ожидается одно из значений {choices}, а не {value}</translation>
    </message>
    <message>
        <source>expects text</source>
        <translation>ожидается текст</translation>
    </message>
    <message>
        <source>expects ticked (true) or not ticked (false)</source>
        <translation>ожидается отметка (да) или её отсутствие (нет)</translation>
    </message>
    <message>
        <source>has an unknown kind {kind}</source>
        <translation>неизвестный тип пункта {kind}</translation>
    </message>
    <message>
        <source>item {item} was changed by {who} at {when}</source>
        <translation>пункт {item} изменён: {who}, {when}</translation>
    </message>
    <message>
        <source>text holds a NUL character</source>
        <translation>текст содержит символ NUL</translation>
    </message>
    <message>
        <source>text is longer than {limit} characters</source>
        <translation>текст длиннее {limit} знаков</translation>
    </message>
    <message>
        <source>the chart number is longer than 64 characters</source>
        <translation>номер карты длиннее 64 знаков</translation>
    </message>
    <message>
        <source>the clinician&apos;s name is empty</source>
        <translation>не указано имя врача</translation>
    </message>
    <message>
        <source>the date it was done is in the future</source>
        <translation>дата выполнения ещё не наступила</translation>
    </message>
    <message>
        <source>the date of birth is before 1900</source>
        <translation>дата рождения раньше 1900 года</translation>
    </message>
    <message>
        <source>the date of birth is in the future</source>
        <translation>дата рождения ещё не наступила</translation>
    </message>
    <message>
        <source>the family name is empty</source>
        <translation>не указана фамилия</translation>
    </message>
    <message>
        <source>the given name is empty</source>
        <translation>не указано имя</translation>
    </message>
    <message>
        <source>the note is longer than 100000 characters</source>
        <translation>примечание длиннее 100000 знаков</translation>
    </message>
    <message>
        <source>the signing clinician&apos;s name is empty</source>
        <translation>не указано имя подписывающего врача</translation>
    </message>
    <message>
        <source>the workup was changed after it was shown; it is shown again as stored: review the changes, then sign</source>
        <translation>обследование изменено после того, как было показано; теперь показана сохранённая версия: просмотрите изменения, затем подпишите</translation>
    </message>
    <message>
        <source>{value} has more than {digits} digits or is beyond 1e{exponent}</source>
        <translation>в числе {value} больше {digits} цифр, или оно выходит за пределы 1e{exponent}</translation>
    </message>
    <message>
        <source>{value} has more than {limit} decimal places</source>
        <translation>{value}: больше {limit} знаков после запятой</translation>
    </message>
    <message>
        <source>{value} is above the highest possible value {limit}</source>
        <translation>{value} больше наибольшего возможного значения {limit}</translation>
    </message>
    <message>
        <source>{value} is below the lowest possible value {limit}</source>
        <translation>{value} меньше наименьшего возможного значения {limit}</translation>
    </message>
    <message>
        <source>{value} is in the future</source>
        <translation>{value} — дата ещё не наступила</translation>
    </message>
    <message>
        <source>{value} is not a calendar date</source>
        <translation>{value} — такой даты нет в календаре</translation>
    </message>
    <message>
        <source>{value} is not a date as {wanted}</source>
        <translation>{value} не является датой в виде {wanted}</translation>
    </message>
    <message>
        <source>{value} is not a finite number</source>
        <translation>{value} не является конечным числом</translation>
    </message>
    <message>
        <source>{value} is not a number</source>
        <translation>{value} не является числом</translation>
    </message>
    <message>
        <source>{value} is not a valid date and time</source>
        <translation>{value} — недопустимые дата и время</translation>
    </message>
    <message>
        <source>{value} is not a valid month or year</source>
        <translation>{value} — недопустимый месяц или год</translation>
    </message>
    <message>
        <source>{value} is not one of its options</source>
        <translation>{value} нет среди вариантов ответа</translation>
    </message>
</context>
<context>
    <name>paper</name>
    <message>
        <source>Letter (US)</source>
        <translation>Letter (США)</translation>
    </message>
</context>
<context>
    <name>status</name>
    <message>
        <source>Addendum open</source>
        <translation>Открыто дополнение</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>Черновик</translation>
    </message>
    <message>
        <source>Finalized</source>
        <translation>Завершено</translation>
    </message>
    <message>
        <source>Finalized, amended</source>
        <translation>Завершено, дополнено</translation>
    </message>
</context>
</TS>
