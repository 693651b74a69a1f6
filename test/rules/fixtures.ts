import type { CalendarConfig } from '../../rules/calendar';

/** Vietnam 2024 public-sector calendar: Tết 8–14/2, Giỗ Tổ 18/4, 29/4 off (made up on Sat 4/5), 30/4, 1/5, 2/9 + 3/9. */
export const VN_2024: CalendarConfig = {
  timeZone: 'Asia/Ho_Chi_Minh',
  holidays: [
    '2024-01-01',
    '2024-02-08', '2024-02-09', '2024-02-10', '2024-02-11', '2024-02-12', '2024-02-13', '2024-02-14',
    '2024-04-18',
    '2024-04-29', '2024-04-30', '2024-05-01',
    '2024-09-02', '2024-09-03',
  ],
  extraWorkingDays: ['2024-05-04'],
};

export const BERLIN: CalendarConfig = { timeZone: 'Europe/Berlin', holidays: [] };
